import type { Admission, ExecutionQueue, ExecutionClient, ExecutionEvent, ExecutionLocator, ExecutionRecord, GatewayEngine, NodeRegistry } from "../../engine/internal.js";
import type { WorkflowGenerator } from "../../generator/types.js";
import type { AuditLog, NodeMetrics, TraceHeaders } from "../../observability/index.js";
import type { Principal } from "../auth/index.js";
import type { ServerPaths } from "./server-paths.js";
import type { WatchFanOut } from "./watch-fan-out.js";
import type { Watchers } from "./watchers.js";
import type { WorkflowDirectory } from "./workflow-directory.js";

/** Who calls and how: every gateway builds one per request. */
export interface CallContext {
  principal: Principal;
  /** `mcp`, `mcp-stdio`, `grpc`, `http`; recorded in the audit log and metrics. */
  gateway: string;
  remote?: string | undefined;
  /** Aborted when the caller goes away; a sync execution is then cancelled. */
  signal?: AbortSignal | undefined;
  onEvent?: ((event: ExecutionEvent, record: ExecutionRecord) => void) | undefined;
  deadlineMs?: number | undefined;
  /** How deep in meta-orchestration: 0 from a client, n + 1 from a workflow (mcpworkflow_executor) at depth n. */
  depth?: number | undefined;
  /** The caller's W3C trace headers (HTTP headers, gRPC metadata, MCP `_meta`), validated: an execution it starts is its child span. */
  trace?: TraceHeaders | undefined;
}

export interface OperationDeps {
  /** Starts, reads, cancels and watches executions: the node's runtime, or a cluster's client. */
  client: ExecutionClient;
  /** Where the client's executions run: what shutdown asks before it cancels one. */
  locator: ExecutionLocator;
  /** The node's engine, for its configuration only (limits, and the caller policy inline workflows are checked against). */
  engine: GatewayEngine;
  workflows: WorkflowDirectory;
  registry: NodeRegistry;
  admission: Admission;
  /** Slots and key shares; what finds none free waits in it (`queueing`), or is refused (a cluster member, for now). */
  queue: ExecutionQueue;
  queueing: boolean;
  /** Open watches, per token and in all (see watchers.ts). */
  watchers: Watchers;
  /** Follows executions for the gateways' watchers, one follower per execution for those in step (see follow.ts). */
  fanOut: WatchFanOut;
  metrics: NodeMetrics;
  audit: AuditLog;
  /** Folder inline and generated workflows resolve against (their filesystem tools stay inside it). */
  sandboxDir: string;
  /** The node's folders, named neutrally in every answer (see answers.ts and error-status.ts). */
  paths: ServerPaths;
  generator?: WorkflowGenerator | undefined;
  /** How long an idempotency key names the execution it started. */
  idempotencyWindowMs: number;
}
