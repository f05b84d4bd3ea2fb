import type { ActorSystem } from "../actors/index.js";
import type { CallerGrant } from "./caller-policy.js";
import type { ExecuteRequest, ExecutionClient, StartedExecution, WorkflowSource } from "./execution-client.js";
import type { ExecutionLocator } from "./execution-locator.js";
import type { OpenedExecution } from "./execution-opening.js";
import type { RuntimeOptions } from "./runtime-options.js";
import type { StepLogic } from "./step-actor.js";
import type { OrderedStepOptions } from "./step-from-order.js";
import type { StepOrder } from "./step-order.js";
import type { ExecutionRecord, ExecutionStore } from "./types.js";
import type { Requeue } from "./queued-recovery.js";

/**
 * What a cluster needs of a node's engine, beyond starting and reading executions: to open a request before it decides
 * where it runs, where executions run, the store, its actor system (for links and placed steps), and steps other
 * nodes order. The Runtime implements it; the cluster never sees the class.
 */
export interface NodeEngine extends ExecutionClient {
  readonly system: ActorSystem;
  readonly store: ExecutionStore;
  readonly locator: ExecutionLocator;
  open(request: ExecuteRequest, options?: { checkOrigin?: boolean }): OpenedExecution;
  start(request: ExecuteRequest | OpenedExecution): StartedExecution;
  /** The node's workflow folders: where placed work names an operator's file, and where this node finds its own copy. */
  readonly workflowFolders: readonly string[];
  stepFromOrder(order: StepOrder, baseDir: string, options?: OrderedStepOptions): StepLogic;
  /** Lets one of this node's queued executions go to another node, its writes flushed first; false when it no longer waits here. */
  releaseQueued(executionId: string): Promise<boolean>;
  /** Takes a queued execution another node let go into this node's line (see takeUpQueued). */
  takeQueued(record: ExecutionRecord, requeue: Requeue): Promise<boolean>;
}

/** What the gateways read of a node's engine: its limits, caller policy and model rate limiter (generation shares it), and what a caller's workflow is checked against. */
export interface GatewayEngine {
  readonly options: Readonly<Pick<RuntimeOptions, "store" | "env" | "prices" | "limits" | "callerPolicy" | "modelRateLimiter">>;
  callerGrant(source: WorkflowSource): CallerGrant;
}
