import type { EventSink } from "./execution-follower.js";
import type { EventListener } from "./recorder.js";
import type { ExecutionEvent, ExecutionMode, ExecutionRecord, ListExecutionsQuery } from "./types.js";
import type { Budget, WorkflowFile } from "../config/index.js";
import type { TraceHeaders } from "../observability/trace-context.js";
import type { Enqueue } from "./queue/enqueue.js";
import type { KeyLimit, QueuedBound } from "./types.js";

/** A queue ticket as it travels with a request: the key shown to callers besides the one the queue takes turns by. */
export interface ShownTicket {
  priority: number;
  key: string;
  turnKey: string;
  limits: KeyLimit[];
  /** How many of its caller's executions may wait at once (a token's max_queued). */
  maxQueued?: QueuedBound | undefined;
}

/** An execution that must wait for a slot: it is recorded `queued` and launched when the queue calls back. */
export interface QueuedRequest extends ShownTicket {
  enqueue: Enqueue;
}

/** A workflow file already loaded and validated, and where it came from (function modules resolve against it). */
export interface WorkflowSource {
  file: WorkflowFile;
  path?: string;
  /**
   * `caller`: sent over the network (inline, generated), so it runs under the operator's caller policy, with an empty
   * environment, in the folder of `path` (its sandbox). `operator` (the default): a file the node's operator wrote.
   */
  origin?: "operator" | "caller";
}

export interface ExecuteRequest {
  source: WorkflowSource;
  /** Defaults to the file's only workflow, else its first. */
  workflowName?: string;
  input?: unknown;
  mode?: ExecutionMode;
  /** Seconds; overrides the workflow's own `timeout`. */
  timeoutS?: number;
  /** Aborting it cancels the execution (a sync caller going away, say). */
  signal?: AbortSignal;
  /** Sees every event from the first on. */
  onEvent?: EventListener;
  /** `development` / `staging` / `production`: that section of the file is laid over it; default `$WFX_ENV`. */
  environment?: string;
  /** Deep-merged onto the file's agents, tools or workflows for this execution only (`{agents: {a: {model: …}}}`). */
  configOverride?: unknown;
  /** Lowers the workflow's `budget:` for this execution (never raises it; the caller policy's max_budget caps it). */
  budget?: Budget;
  /**
   * The id to give the execution (default: a fresh UUID). A caller that must know the id before the first step runs
   * (steps may start before `start` returns) makes one with `randomUUID()`; an id already running is refused.
   */
  executionId?: string;
  /** Who starts it (a gateway passes the caller's token id); kept in the record as `started_by`. */
  startedBy?: string;
  /** That token's tenant, if it has one; kept in the record as `started_by_tenant`. */
  startedByTenant?: string;
  /**
   * Where it may run, beyond its workflow's own `placement:`: the request's `target_instance` (a node id or pool tag) and
   * `target_tags` (all required), and `any_of_tags` (at least one: the caller's token may use only such nodes). A single
   * node runs everything itself; a cluster's client places the execution by them.
   */
  placement?: { target_instance?: string; target_tags?: readonly string[]; any_of_tags?: readonly string[] };
  /** The caller's W3C trace headers (HTTP, gRPC metadata, MCP `_meta`): the execution's span is its child. */
  trace?: TraceHeaders;
  /** Set when no slot is free for it now (see ExecutionQueue): recorded `queued`, it starts when the queue says. */
  queued?: QueuedRequest;
  /** Its place in a queue (priority, keys, limits), for the node that runs it: another node's, when it is placed there. */
  ticket?: ShownTicket;
}

export interface CancelResult {
  execution_id: string;
  status: ExecutionRecord["status"] | "not_found";
  cancelled: boolean;
  message: string;
}

export interface StartedExecution {
  executionId: string;
  /** The record as started (status `running`). */
  record: ExecutionRecord;
  /** Resolves with the final record. */
  done: Promise<ExecutionRecord>;
  /** Placed on another node, which owns it: this node shutting down leaves it running there. */
  elsewhere?: boolean;
}

/** A plain listener, or a sink that says when it is full: the watch then pauses and catches up from the store once it drains. */
export type WatchListener = ((event: ExecutionEvent) => void) | EventSink;

/**
 * What callers of executions need: start, read, cancel and watch them. A node's Runtime implements it for the executions
 * it can reach; a cluster's client implements it for every node's. Gateways and the CLI depend on this, not on Runtime.
 */
export interface ExecutionClient {
  /** Starts an execution and returns at once with its id (steps may already be running). */
  start(request: ExecuteRequest): StartedExecution;
  /** The record as it is now; undefined for an unknown id. */
  status(executionId: string): Promise<ExecutionRecord | undefined>;
  cancel(executionId: string, reason?: string): Promise<CancelResult>;
  /**
   * Past events after `afterSeq`, then live ones until the end, in order and without gaps; resolves with the final
   * record (or the current one if `signal` stops it first). Rejects with WFX_EXECUTION_NOT_FOUND for an unknown id.
   */
  watch(executionId: string, afterSeq: number, listener: WatchListener, signal?: AbortSignal): Promise<ExecutionRecord | undefined>;
  list(query?: ListExecutionsQuery): Promise<ExecutionRecord[]>;
  /** The events recorded so far after `afterSeq`, without waiting for more (watch_execution's first read). */
  events(executionId: string, afterSeq?: number): Promise<ExecutionEvent[]>;
  /** Resolves once every execution started so far is durable: an id given out can then be found after a crash. */
  persisted(): Promise<void>;
}
