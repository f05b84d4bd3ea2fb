import type { ActorRef } from "../actors/index.js";
import { applyEvent, createRecord, type NewRecordInput } from "./record.js";
import { TERMINAL_STATUSES, type ExecutionEvent, type ExecutionEventType, type ExecutionRecord, type ExecutionStore, type ErrorInfo } from "./types.js";

export type EventListener = (event: ExecutionEvent, record: ExecutionRecord) => void;

interface LiveExecution {
  record: ExecutionRecord;
  lastSeq: number;
  listeners: Set<EventListener>;
  waiters: Array<(record: ExecutionRecord) => void>;
  lastPersistMs: number;
}

/** How often a running execution's record snapshot is rewritten, so `wfx status` in another process sees progress. */
const SNAPSHOT_INTERVAL_MS = 250;
const FINISHED_KEPT = 1000;

/** Folds events into live records, hands them to the store and to watchers, and wakes whoever waits for the end. */
export class ExecutionRecorder {
  readonly #store: ExecutionStore;
  readonly #live = new Map<string, LiveExecution>();
  /** Recently finished records, so status and late watchers are answered without a store read. */
  readonly #finished = new Map<string, ExecutionRecord>();

  constructor(store: ExecutionStore) {
    this.#store = store;
  }

  begin(init: NewRecordInput): ExecutionRecord {
    const record = createRecord(init);
    // The first snapshot is written at `execution.started`: a local supervisor emits it within this same turn.
    this.#live.set(init.executionId, { record, lastSeq: 0, listeners: new Set(), waiters: [], lastPersistMs: init.startMs });
    return record;
  }

  /** A sink with the shape of an actor ref, so a supervisor reports to it exactly as it would to a remote observer. */
  reporter(executionId: string): ActorRef<ExecutionEvent> {
    return { address: `recorder:${executionId}`, tell: (event) => this.record(event) };
  }

  record(event: ExecutionEvent): void {
    const live = this.#live.get(event.execution_id);
    if (!live || event.seq <= live.lastSeq) return;
    live.lastSeq = event.seq;
    const record = applyEvent(live.record, event);
    this.#store.appendEvent(event);
    for (const listener of live.listeners) listener(event, record);
    if (TERMINAL_STATUSES.has(record.status)) return this.#end(event.execution_id, live);
    if (event.type === "execution.started" || (event.type === "step.completed" && event.time - live.lastPersistMs >= SNAPSHOT_INTERVAL_MS)) {
      live.lastPersistMs = event.time;
      this.#store.putRecord(record);
    }
  }

  /** Ends an execution whose supervisor can no longer say so itself (its process died or was killed). */
  finishIfRunning(executionId: string, type: ExecutionEventType, error: ErrorInfo, nowMs: number): void {
    const live = this.#live.get(executionId);
    if (!live) return;
    this.record({ execution_id: executionId, seq: live.lastSeq + 1, type, time: nowMs, data: { error } });
  }

  #end(executionId: string, live: LiveExecution): void {
    this.#live.delete(executionId);
    this.#store.putRecord(live.record);
    this.#finished.set(executionId, live.record);
    if (this.#finished.size > FINISHED_KEPT) this.#finished.delete(this.#finished.keys().next().value!);
    for (const wake of live.waiters) wake(live.record);
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

  /** Listens to a live execution; returns false when it is not live here (read the store instead). */
  listen(executionId: string, listener: EventListener): (() => void) | undefined {
    const live = this.#live.get(executionId);
    if (!live) return undefined;
    live.listeners.add(listener);
    return () => live.listeners.delete(listener);
  }
}
