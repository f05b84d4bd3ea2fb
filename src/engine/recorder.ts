import type { ActorRef } from "../actors/index.js";
import type { PriceTable } from "../config/index.js";
import { RecordFailedError } from "./errors.js";
import { estimateCost } from "./estimated-cost.js";
import { storedEnd } from "./stored-end.js";
import { applyEvent, createRecord, progressMessage, type NewRecordInput } from "./record.js";
import { describeFailure, makeRecordStorable, storableEvent, type NotStored } from "./storable.js";
import { TERMINAL_EVENT_TYPES, TERMINAL_STATUSES, type ResumeSpec, type ExecutionEvent, type ExecutionEventType, type ExecutionRecord, type ExecutionStore, type ErrorInfo } from "./types.js";

export type EventListener = (event: ExecutionEvent, record: ExecutionRecord) => void;

interface LiveExecution {
  record: ExecutionRecord;
  lastSeq: number;
  listeners: Set<EventListener>;
  /** Told when the execution moves to another process (this one was fenced): follow the store from then on. */
  moved: Set<() => void>;
  waiters: Array<(record: ExecutionRecord) => void>;
  lastPersistMs: number;
}

/** How often a running execution's record snapshot is rewritten, so `wfx status` in another process sees progress. */
const SNAPSHOT_INTERVAL_MS = 250;
const FINISHED_KEPT = 1000;
/** How often a waiter of an execution that moved to another process reads the store for its end. */
const MOVED_POLL_MS = 250;

/** What could not be recorded, and where the failure goes in the execution's events. */
interface RecordFailure {
  /** The failure's event number and time. */
  seq: number;
  time: number;
  /** "its record", "its step.completed event (step 'x')". */
  what: string;
  error: unknown;
  /** The values already replaced by markers (in a refused event). */
  replaced: NotStored[];
  /** Whether the supervisor still runs and must be stopped. */
  abandon: boolean;
}

/** Runs one store write; what it threw, or undefined when it went through. */
function storeWrite(write: () => void): { error: unknown } | undefined {
  try {
    write();
    return undefined;
  } catch (error) {
    return { error };
  }
}

/** Folds events into live records, hands them to the store and to watchers, and wakes whoever waits for the end. */
export class ExecutionRecorder {
  readonly #store: ExecutionStore;
  readonly #live = new Map<string, LiveExecution>();
  /** Recently finished records, so status and late watchers are answered without a store read. */
  readonly #finished = new Map<string, ExecutionRecord>();
  readonly #onAbandon: (record: ExecutionRecord) => void;
  readonly #prices: PriceTable;

  /**
   * `onAbandon` stops what still runs of an execution the recorder had to end because it could not record it;
   * `prices` (the node profile's) give each ended record's usage an estimated cost.
   */
  constructor(store: ExecutionStore, onAbandon: (record: ExecutionRecord) => void = () => {}, prices: PriceTable = {}) {
    this.#store = store;
    this.#onAbandon = onAbandon;
    this.#prices = prices;
  }

  /** `storeNow`: write the record at once; a local supervisor's `execution.started`, in this same turn, writes it anyway. */
  begin(init: NewRecordInput, resume?: ResumeSpec, storeNow = true): ExecutionRecord {
    const record = createRecord(init);
    if (resume !== undefined) record.resume = resume;
    const live: LiveExecution = { record, lastSeq: 0, listeners: new Set(), moved: new Set(), waiters: [], lastPersistMs: init.startMs };
    this.#live.set(init.executionId, live);
    // Stored before anyone hears of the id: an execution the node acknowledged can be found, and adopted, after a crash.
    const failed = storeNow ? storeWrite(() => this.#store.putRecord(record)) : undefined;
    if (failed) this.#fail(live, { seq: 1, time: init.startMs, what: "its record", error: failed.error, abandon: true, replaced: [] });
    return record;
  }

  /** Takes over an execution whose owner died: its stored record goes live here, and events continue after `lastSeq`. */
  adopt(record: ExecutionRecord, lastSeq: number): void {
    this.#finished.delete(record.execution_id);
    this.#live.set(record.execution_id, { record, lastSeq, listeners: new Set(), moved: new Set(), waiters: [], lastPersistMs: Date.now() });
  }

  /** A sink with the shape of an actor ref, so a supervisor reports to it exactly as it would to a remote observer. */
  reporter(executionId: string): ActorRef<ExecutionEvent> {
    return { address: `recorder:${executionId}`, tell: (event) => this.record(event) };
  }

  /** Never throws: whatever fails here still ends the execution (failed), stored and answered. */
  record(event: ExecutionEvent): void {
    const live = this.#live.get(event.execution_id);
    if (!live || event.seq <= live.lastSeq) return;
    live.lastSeq = event.seq;
    const refused = storeWrite(() => this.#store.appendEvent(event));
    if (refused) return this.#eventRefused(live, event, refused.error);
    const record = applyEvent(live.record, event);
    this.#notify(live, event, record);
    if (TERMINAL_STATUSES.has(record.status)) return this.#end(live);
    if (event.type === "execution.started" || event.type === "execution.queued" || event.type === "execution.resumed" || (event.type === "step.completed" && event.time - live.lastPersistMs >= SNAPSHOT_INTERVAL_MS)) {
      live.lastPersistMs = event.time;
      const failed = storeWrite(() => this.#store.putRecord(record));
      if (failed) this.#fail(live, { seq: event.seq + 1, time: event.time, what: "its record", error: failed.error, abandon: true, replaced: [] });
    }
  }

  /** The record keeps what a refused event says, less the values that cannot be stored; the event's place goes to the failure. */
  #eventRefused(live: LiveExecution, event: ExecutionEvent, error: unknown): void {
    const terminal = TERMINAL_EVENT_TYPES.has(event.type);
    const storable = storableEvent(event);
    if (!terminal) applyEvent(live.record, storable.event);
    const what = `its ${event.type} event${event.step === undefined ? "" : ` (step '${event.step}')`}`;
    // A terminal event means the supervisor has already stopped; otherwise it still runs and must be stopped.
    this.#fail(live, { seq: event.seq, time: event.time, what, error, abandon: !terminal, replaced: storable.replaced });
  }

  /** Ends the execution failed with WFX_RECORD_FAILED, as event `seq`, with a record that can be stored. */
  #fail(live: LiveExecution, failure: RecordFailure): void {
    const replaced = [...failure.replaced, ...makeRecordStorable(live.record)];
    const error = new RecordFailedError(live.record.execution_id, failure.what, replaced, describeFailure(failure.error));
    const event: ExecutionEvent = { execution_id: live.record.execution_id, seq: failure.seq, type: "execution.failed", time: failure.time, data: { error: error.toJSON() } };
    live.lastSeq = failure.seq;
    // If even this is refused the store is broken; the final record below (or the copy kept here) still says why.
    storeWrite(() => this.#store.appendEvent(event));
    this.#notify(live, event, applyEvent(live.record, event));
    this.#end(live);
    if (failure.abandon) this.#onAbandon(live.record);
  }

  #notify(live: LiveExecution, event: ExecutionEvent, record: ExecutionRecord): void {
    for (const listener of live.listeners) {
      try {
        listener(event, record);
      } catch {
        // A watcher that throws is dropped: it must not stop the execution being recorded and answered.
        live.listeners.delete(listener);
      }
    }
  }

  /** Ends an execution whose supervisor can no longer say so itself (its process died or was killed). */
  finishIfRunning(executionId: string, type: ExecutionEventType, error: ErrorInfo, nowMs: number): void {
    const live = this.#live.get(executionId);
    if (!live) return;
    this.record({ execution_id: executionId, seq: live.lastSeq + 1, type, time: nowMs, data: { error } });
  }

  #end(live: LiveExecution): void {
    const executionId = live.record.execution_id;
    this.#live.delete(executionId);
    delete live.record.resume;
    const usage = live.record.usage;
    const cost = usage === undefined ? undefined : estimateCost(usage, this.#prices);
    if (cost !== undefined) usage!.estimated_cost = cost;
    const failed = storeWrite(() => this.#store.putRecord(live.record));
    if (failed) this.#storeFailedRecord(live.record, failed.error);
    this.#finished.set(executionId, live.record);
    if (this.#finished.size > FINISHED_KEPT) this.#finished.delete(this.#finished.keys().next().value!);
    for (const wake of live.waiters) wake(live.record);
  }

  /** The final record could not be stored as it was: it is stored failed, less the parts that cannot be serialised. */
  #storeFailedRecord(record: ExecutionRecord, error: unknown): void {
    const replaced = makeRecordStorable(record);
    if (record.error?.code !== "WFX_RECORD_FAILED") {
      record.status = "failed";
      record.error = new RecordFailedError(record.execution_id, "its final record", replaced, describeFailure(error)).toJSON();
      record.progress.message = progressMessage(record);
    }
    // Refused again, the store is broken: this process still answers status from the copy it keeps.
    storeWrite(() => this.#store.putRecord(record));
  }

  /** The last event number of a live execution (0 when it is not live here): where a queued one's supervisor goes on. */
  lastSeq(executionId: string): number {
    return this.#live.get(executionId)?.lastSeq ?? 0;
  }

  liveIds(): string[] {
    return [...this.#live.keys()];
  }

  isLive(executionId: string): boolean {
    return this.#live.has(executionId);
  }

  /** The record as this process knows it, without a store read. */
  peek(executionId: string): ExecutionRecord | undefined {
    return this.#live.get(executionId)?.record ?? this.#finished.get(executionId);
  }

  /** Resolves with the final record; at once when it has already ended here. */
  whenDone(executionId: string): Promise<ExecutionRecord> {
    const live = this.#live.get(executionId);
    if (live) return new Promise((resolve) => live.waiters.push(resolve));
    const finished = this.#finished.get(executionId);
    return finished ? Promise.resolve(finished) : Promise.reject(new Error(`execution ${executionId} is not running here`));
  }

  /** Listens to a live execution; undefined when it is not live here (read the store instead). `onMoved`: see `relinquish`. */
  listen(executionId: string, listener: EventListener, onMoved?: () => void): (() => void) | undefined {
    const live = this.#live.get(executionId);
    if (!live) return undefined;
    live.listeners.add(listener);
    if (onMoved !== undefined) live.moved.add(onMoved);
    return () => {
      live.listeners.delete(listener);
      if (onMoved !== undefined) live.moved.delete(onMoved);
    };
  }

  /**
   * The execution is another process's now (this one was fenced: an adopter took it over): it stops being live here
   * without an end of its own, nothing of it is answered from memory, and whoever waits or listens follows the store.
   */
  relinquish(executionId: string): void {
    // Its end as this process folded it (a woken stale owner ends a step before its refused write tells it) is not the truth.
    this.#finished.delete(executionId);
    const live = this.#live.get(executionId);
    if (!live) return;
    this.#live.delete(executionId);
    for (const moved of live.moved) moved();
    if (live.waiters.length > 0) void storedEnd(this.#store, executionId, { everyMs: MOVED_POLL_MS }).then((record) => live.waiters.forEach((wake) => wake(record!)));
  }
}
