import type { ExecutionEvent, ExecutionRecord } from "../../engine/internal.js";
import type { Principal } from "../auth/index.js";
import type { TraceHeaders } from "../../observability/index.js";

/** Who runs an execution and how: the caller, its going away, its progress listener, its deadline, its depth. */
export interface RunContext {
  principal: Principal;
  signal?: AbortSignal | undefined;
  /** Sees every event of a sync execution (MCP progress notifications). */
  onEvent?: ((event: ExecutionEvent, record: ExecutionRecord) => void) | undefined;
  /** Epoch ms by which a sync caller gives up (a gRPC deadline); the execution's timeout is capped to it. */
  deadlineMs?: number | undefined;
  depth?: number | undefined;
  /** The caller's W3C trace headers: the execution's span is its child. */
  trace?: TraceHeaders | undefined;
}
