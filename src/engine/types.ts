import type { ResolvedBudget } from "./budget.js";
import type { StepUsage, Usage } from "./usage.js";

/** The execution record, its events and the store that keeps them: the contract every gateway and mode shares. */

export type ExecutionMode = "sync" | "async" | "isolated";
export type ExecutionStatus = "pending" | "queued" | "running" | "completed" | "failed" | "timeout" | "cancelled";
export type StepStatus = "pending" | "running" | "retrying" | "completed" | "failed" | "skipped" | "cancelled" | "timeout";

export interface ErrorInfo {
  code: string;
  message: string;
  hint?: string;
}

export interface ExecutionProgress {
  completed_steps: number;
  total_steps: number;
  /** Ids of the steps running now. */
  current: string[];
  /** "Processing step 3 of 5" style text, the shape the source document shows. */
  message: string;
}

export interface StepRecord {
  id: string;
  status: StepStatus;
  attempts: number;
  node: string;
  /** Epoch seconds, like start_time. */
  started?: number;
  ended?: number;
  output?: unknown;
  error?: ErrorInfo;
  /** What its last attempt used: wall and CPU time, and for agent steps tokens by model, model and tool calls. */
  usage?: StepUsage;
  /** Why a pending step waits (no node offers its tags yet, fitting nodes are full); gone once it starts. */
  message?: string;
}

export interface ExecutionRecord {
  execution_id: string;
  workflow_name: string;
  execution_mode: ExecutionMode;
  status: ExecutionStatus;
  /** Epoch seconds (fractional), as in the source document. */
  start_time: number;
  end_time?: number;
  /** Seconds; frozen once the execution ends. */
  elapsed_time: number;
  progress: ExecutionProgress;
  steps: StepRecord[];
  result?: unknown;
  error?: ErrorInfo;
  node: string;
  /** Summed over its steps' usage; wall time (and an isolated process's own figures) once it has ended. */
  usage?: Usage;
  /** The workflow file it came from, when it came from one. */
  workflow_file?: string;
  /** OS process that runs it (async executions started from the CLI run in a background process). */
  pid?: number;
  input?: unknown;
  /** Who started it: the token id a gateway ran it for (kept so cancel can check it after the run left memory). */
  started_by?: string;
  /** The tenant of that token when it started it: the other tokens of that tenant may read the execution too. */
  started_by_tenant?: string;
  /** 0-9 (9 first): the priority it was started at (the request's, else its workflow's, else 5), when a caller gave a ticket. */
  priority?: number;
  /** The W3C trace id of its spans, when the node that ran it exports traces (OTEL_*): a trace viewer finds it by this. */
  trace_id?: string;
  /** What another process needs to continue the execution if this one dies; dropped once it ends. Never sent to callers. */
  resume?: ResumeSpec;
  /** While it waits for a slot (status `queued`): its priority, key, place in the queue and which limit holds it. */
  queue?: QueueState;
}

/** Where a queued execution stands; `position` 1 = next to start if nothing else arrives and no limit holds it. */
export interface QueueState {
  priority: number;
  /** The concurrency key it takes turns under (the workflow's `concurrency.key`, else the token). */
  key: string;
  position: number;
  /** Which limit holds it: "node at capacity 8/8", "concurrency key customer-7 at its limit 2", "token t1 at max_running 4". */
  reason: string;
  /** Epoch ms it was queued: arrival order after a restart. */
  queued_at: number;
}

/** A limit a queued execution counts against while it runs: a concurrency key or a token's max_running. */
export interface KeyLimit {
  key: string;
  limit: number;
  /** How a reason names it: "concurrency key customer-7", "token t1". */
  what: string;
  /** "at its limit 2" or "at max_running 4". */
  kind: "concurrency" | "max_running";
  /** Counted on each node alone, never cluster-wide: the node's default max_running for tokens that set none. */
  per_node?: true;
}

/** How many of one caller's executions may wait in a node's queue at once: a token's max_queued. */
export interface QueuedBound {
  key: string;
  limit: number;
  /** How a refusal names it: "token t1". */
  what: string;
}

/** An execution's workflow and settings as it started, so an adopter can rebuild its supervisor. */
export interface ResumeSpec {
  /** The workflow file with its environment section and config_override applied, as JSON (made once per file). */
  file_json: string;
  path?: string;
  /** An operator's file: its path inside the workflow folder it came from, so an adopter runs it from its own copy. */
  path_in_folder?: string;
  origin?: "operator" | "caller";
  /** Epoch ms by which the execution times out, if it has a timeout. */
  deadline_ms?: number;
  /** How many times the execution has been adopted; the next adopter claims generation + 1. */
  generation: number;
  /** The request's own placement (target_instance, target_tags): where an adopter must fit to take it over. */
  placement?: { target_instance?: string; target_tags?: readonly string[]; any_of_tags?: readonly string[] };
  /** The incarnation (RuntimeOptions.instanceId) of the process that owns it: a node restarted under the same id does not. */
  owner_instance?: string;
  /** The budget it runs under, as resolved when it started: an adopter keeps it. */
  budget?: ResolvedBudget;
  /** The limits it counts against (to hold them again once taken over) and, queued, its run timeout (to queue it again after a restart). */
  queue?: { turn_key: string; limits: KeyLimit[]; timeout_ms?: number; max_queued?: QueuedBound };
}

export type ExecutionEventType =
  | "execution.started"
  /** No slot (or its key's limit) let it start: it waits in the node's queue (data: its QueueState). */
  | "execution.queued"
  /** Another process adopted the execution after its owner died, and continues it from its events. */
  | "execution.resumed"
  | "execution.progress"
  | "execution.completed"
  | "execution.failed"
  | "execution.timeout"
  | "execution.cancelled"
  | "step.started"
  | "step.retrying"
  | "step.completed"
  | "step.failed"
  | "step.skipped"
  | "step.progress";

/** The events that end an execution (exactly one of them is its last event), and the status each leaves. */
export const FINAL_STATUS_OF_EVENT: Readonly<Partial<Record<ExecutionEventType, ExecutionStatus>>> = Object.freeze({
  "execution.completed": "completed",
  "execution.failed": "failed",
  "execution.timeout": "timeout",
  "execution.cancelled": "cancelled",
});
export const TERMINAL_EVENT_TYPES: ReadonlySet<ExecutionEventType> = new Set(Object.keys(FINAL_STATUS_OF_EVENT) as ExecutionEventType[]);
export const TERMINAL_STATUSES: ReadonlySet<ExecutionStatus> = new Set(Object.values(FINAL_STATUS_OF_EVENT));

export interface ExecutionEvent {
  execution_id: string;
  /** 1, 2, 3 … per execution, so a watcher can resume after the last one it saw. */
  seq: number;
  type: ExecutionEventType;
  /** Epoch milliseconds. */
  time: number;
  step?: string;
  attempt?: number;
  data?: unknown;
}

/** Who started an execution, as its record says: what decides who may read it. */
export interface ExecutionOwner {
  started_by?: string | undefined;
  started_by_tenant?: string | undefined;
}

export interface ListExecutionsQuery {
  status?: ExecutionStatus;
  workflow_name?: string;
  /** Only executions whose record names this node (the one supervising it). */
  node?: string;
  /** Epoch seconds: only executions started at or after `since` and before `until`. */
  since?: number;
  until?: number;
  /** Only workflows this says yes to (a token limited to some workflows). */
  workflow_allowed?: (workflowName: string) => boolean;
  /** Only executions this says yes to, by who started them (a token that may read only its own and its tenant's). */
  owner_allowed?: (owner: ExecutionOwner) => boolean;
  /** Skips this many of the selected records, newest first (a page after the first). */
  offset?: number;
  limit?: number;
  /**
   * Filled in by the store: the count per status of the records matching every filter but `status`, counted on the
   * stores' summaries so a dashboard's status tabs cost no record reads.
   */
  status_counts?: Partial<Record<ExecutionStatus, number>>;
  /** Filled in by the store: how many records match every filter (before offset and limit). */
  matched?: number;
}

/** Keeps execution records and their events. Writes may be batched; `flush` makes everything written so far durable. */
export interface ExecutionStore {
  putRecord(record: ExecutionRecord): void;
  appendEvent(event: ExecutionEvent): void;
  getRecord(executionId: string): Promise<ExecutionRecord | undefined>;
  /** Events with `seq > afterSeq`, in order; those appended through this store are seen without a flush. */
  getEvents(executionId: string, afterSeq?: number): Promise<ExecutionEvent[]>;
  listRecords(query?: ListExecutionsQuery): Promise<ExecutionRecord[]>;
  /**
   * Records `value` under `name` unless something is there already, atomically across every process sharing the
   * store, and durably: resolves undefined when this call won, else with what the winner recorded. Ownership of an
   * orphaned execution and idempotency keys are claims.
   */
  claim(name: string, value: Record<string, unknown>): Promise<Record<string, unknown> | undefined>;
  /** Forgets a claim (an expired idempotency key), so the name can be claimed again. */
  release(name: string): Promise<void>;
  flush(): Promise<void>;
  close(): Promise<void>;
  /**
   * Optional: calls `listener` with the events any process sharing the store appends to the execution from now on, as
   * they are appended (a cluster store fans them out over NATS); at-most-once, so a follower still reads to fill gaps.
   */
  subscribe?(executionId: string, listener: (event: ExecutionEvent) => void): () => void;
  /**
   * For stores shared by processes that may adopt each other's executions: told when another process took over one
   * this process was writing (its writes of it are refused from then on), so the process stops running it.
   */
  onFenced?(listener: (executionId: string, reason: string) => void): void;
  /** For such stores: this process won the claim to adopt the execution, so a fence of an earlier owner of it here no longer holds. */
  adopting?(executionId: string): void;
  /** Resolves once nothing of this execution waits to be stored (a cluster store; others are read from this process). */
  stored?(executionId: string): Promise<void>;
  /** Whether its writes land: not ready, with the reason, while they have failed for a while (a broken JetStream). */
  health?(): { ready: boolean; reason?: string };
}
