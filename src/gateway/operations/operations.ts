import { performance } from "node:perf_hooks";
import { WfxError } from "../../errors.js";
import { knownLabel, type AuditOutcome } from "../../observability/index.js";
import { requireNode, requireScopes } from "../auth/index.js";
import { GatewayError } from "../errors.js";
import { checkArgumentBounds } from "./argument-bounds.js";
import { parseArguments } from "./arguments.js";
import { ExecutionLabeller } from "./execution-labels.js";
import { Executions } from "./executions.js";
import { METHODS_BY_NAME, type MethodName } from "./method-catalog.js";
import { handlers, type Handler } from "./handlers.js";
import type { CallContext, OperationDeps } from "./operation-deps.js";
import { given } from "../../present.js";

export type { CallContext, OperationDeps } from "./operation-deps.js";

/** Methods that answer about the cluster, not this node: a token limited to other nodes' tags finds its nodes with them. */
const CLUSTER_METHODS: ReadonlySet<MethodName> = new Set(["list_nodes"]);

function outcomeOf(error: unknown): AuditOutcome {
  if (!(error instanceof WfxError)) return "error";
  switch (error.code) {
    case "WFX_UNAUTHENTICATED":
      return "unauthenticated";
    case "WFX_PERMISSION_DENIED":
      return "denied";
    case "WFX_BUSY":
    case "WFX_QUEUE_FULL":
    case "WFX_TOKEN_QUEUE_FULL":
    case "WFX_TOKEN_WATCHERS_FULL":
    case "WFX_NODE_WATCHERS_FULL":
      return "busy";
    case "WFX_INVALID_ARGUMENTS":
      return "invalid";
    default:
      return "error";
  }
}

function codeOf(error: unknown): string {
  return error instanceof WfxError ? error.code : "WFX_INTERNAL";
}

/** Names a request may be counted under besides the methods: the gateways' own routes and streams. */
const ROUTE_LABELS: ReadonlySet<string> = new Set([...METHODS_BY_NAME.keys(), "whoami", "metrics", "mcp", "node_events", "execution_events", "WatchExecution", "WatchNodes"]);

function field(value: unknown, key: string): string | undefined {
  const v = typeof value === "object" && value !== null ? (value as Record<string, unknown>)[key] : undefined;
  return typeof v === "string" ? v : undefined;
}

/** The one place the methods live: MCP, gRPC and HTTP all call `call`, which checks scopes and arguments, runs, audits. */
export class Operations {
  readonly deps: OperationDeps;
  readonly executions: Executions;
  readonly #handlers: Readonly<Record<MethodName, Handler>>;

  constructor(deps: OperationDeps) {
    this.deps = deps;
    this.executions = new Executions(deps.client, deps.locator, deps.engine.options.store, { queue: deps.queue, queueing: deps.queueing }, deps.metrics, deps.paths, deps.idempotencyWindowMs, new ExecutionLabeller(deps.engine.options.env, deps.engine.options.prices));
    this.#handlers = handlers(deps, this.executions);
  }

  async call(method: string, rawArgs: unknown, ctx: CallContext): Promise<Record<string, unknown>> {
    const started = performance.now();
    let outcome: AuditOutcome = "ok";
    let code: string | undefined;
    let result: Record<string, unknown> | undefined;
    try {
      const spec = METHODS_BY_NAME.get(method);
      if (spec === undefined) {
        throw new GatewayError("WFX_INVALID_ARGUMENTS", `unknown method '${method}'`, { hint: `methods: ${[...METHODS_BY_NAME.keys()].join(", ")}` });
      }
      requireScopes(ctx.principal, spec.scopes, method);
      // Checked here, for every method, so no method (or route or stream built on one) can forget it.
      if (!CLUSTER_METHODS.has(spec.name)) {
        const self = this.deps.registry.self();
        requireNode(ctx.principal, self.id, self.tags);
      }
      checkArgumentBounds(spec.input, rawArgs, this.deps.engine.options.limits);
      const args = parseArguments(spec.input, rawArgs);
      result = await this.#handlers[spec.name](args as never, ctx);
      return result;
    } catch (error) {
      outcome = outcomeOf(error);
      code = codeOf(error);
      throw error;
    } finally {
      const seconds = (performance.now() - started) / 1000;
      const executionId = field(result, "execution_id") ?? field(rawArgs, "execution_id");
      const workflowName = field(result, "workflow_name") ?? field(rawArgs, "workflow_name");
      const status = field(result, "status");
      this.deps.audit.record({
        gateway: ctx.gateway,
        principal: ctx.principal.id,
        method,
        outcome,
        duration_ms: Math.round(seconds * 1_000_000) / 1000,
        ...given({ execution_id: executionId, workflow_name: workflowName, status, code, remote: ctx.remote }),
      });
      this.deps.metrics.requests.inc({ gateway: ctx.gateway, method: knownLabel(method, ROUTE_LABELS), outcome });
      this.deps.metrics.requestDuration.observe(seconds, { gateway: ctx.gateway });
    }
  }

  /** Audits a request refused before it reached a method (no or a bad token, oversize body, unknown route). */
  reject(gateway: string, method: string, error: unknown, remote?: string): void {
    const outcome = outcomeOf(error);
    this.deps.audit.record({ gateway, principal: "anonymous", method, outcome, code: codeOf(error), duration_ms: 0, ...given({ remote }) });
    this.deps.metrics.requests.inc({ gateway, method: knownLabel(method, ROUTE_LABELS), outcome });
  }
}
