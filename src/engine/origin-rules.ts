import { dirname, resolve } from "node:path";
import { nodeModelBaseUrl, resolveCallerAgentEndpoint, type WorkflowFile } from "../config/index.js";
import { enforceCallerPolicy, type CallerGrant } from "./caller-policy.js";
import { EngineError } from "./errors.js";
import type { WorkflowSource } from "./execution-client.js";
import type { RuntimeOptions } from "./runtime-options.js";
import type { ServiceDeps } from "./services.js";
import type { OrderNode } from "./step-from-order.js";
import type { WorkflowOrigin } from "./step-order.js";

/**
 * What a workflow runs with, by where it came from: an operator's file with the node's environment and tools; a
 * caller's with no environment, tools bounded by the caller policy, the node's model only, checked against the
 * policy in its sandbox folder. The same rules for executions started here and steps other nodes order here.
 */
export class OriginRules implements OrderNode {
  readonly #options: Readonly<RuntimeOptions>;
  readonly #operator: ServiceDeps;
  readonly #caller: ServiceDeps;
  readonly nodeId: string;
  readonly workflowFolders: readonly string[];

  constructor(options: Readonly<RuntimeOptions>, operator: ServiceDeps) {
    this.#options = options;
    this.nodeId = options.nodeId;
    this.workflowFolders = options.workflowFolders;
    this.#operator = operator;
    const { env, callerPolicy } = options;
    this.#caller = { ...operator, env: {}, caller: callerPolicy, endpointOf: (agent) => resolveCallerAgentEndpoint(agent, env, callerPolicy.model_endpoints) };
  }

  depsFor(origin: WorkflowOrigin | undefined): ServiceDeps {
    return origin === "caller" ? this.#caller : this.#operator;
  }

  /** A step order's file: a caller's must pass this node's caller policy in the folder it runs from. */
  admit(file: WorkflowFile, origin: WorkflowOrigin, path: string): void {
    if (origin === "caller") enforceCallerPolicy(file, this.grant({ file, path, origin }), "the ordered workflow");
  }

  /** An execution's source: a caller's must pass the caller policy. */
  check(source: WorkflowSource): void {
    if (source.origin === "caller") enforceCallerPolicy(source.file, this.grant(source), "the workflow");
  }

  /** What a caller's workflow is checked against; its sandbox is the folder of `source.path`, which it must have. */
  grant(source: WorkflowSource): CallerGrant {
    if (source.path === undefined) throw new EngineError("WFX_CALLER_NO_SANDBOX", "a workflow sent by a caller needs a path in its sandbox folder", { hint: "give the source a path inside the caller's sandbox folder (the gateways do)" });
    return { policy: this.#options.callerPolicy, sandboxDir: dirname(resolve(source.path)), nodeModelBaseUrl: nodeModelBaseUrl(this.#options.env) };
  }
}
