import { TERMINAL_STATUSES, type ExecutionEvent, type ExecutionRecord, type ExecutionStore, type ListExecutionsQuery } from "../types.js";
import { storeClosed } from "./errors.js";
import { eventJson, recordJson } from "./stored-json.js";
import { selectRecords, summaryOf, type RecordSummary } from "./record-query.js";

export interface MemoryExecutionStoreOptions {
  /**
   * Keep JSON copies (default) so a caller mutating an object later cannot change what was stored, and values
   * round-trip exactly as through the embedded store. `false` keeps references: fastest, for benchmarks.
   */
  copy?: boolean;
  /** Finished executions beyond this many are forgotten, oldest first, so a long-lived process does not grow without bound. Default 10,000. */
  maxExecutions?: number;
}

interface StoredRecord extends RecordSummary {
  value: ExecutionRecord | string;
}

/** Keeps records and events in maps; nothing survives the process. For tests and benchmarks. */
export class MemoryExecutionStore implements ExecutionStore {
  readonly #copy: boolean;
  readonly #maxExecutions: number;
  readonly #records = new Map<string, StoredRecord>();
  readonly #events = new Map<string, Array<{ seq: number; value: ExecutionEvent | string }>>();
  readonly #claims = new Map<string, Record<string, unknown>>();
  #closed = false;

  constructor(options: MemoryExecutionStoreOptions = {}) {
    this.#copy = options.copy ?? true;
    this.#maxExecutions = options.maxExecutions ?? 10_000;
  }

  /** Drops the oldest finished executions beyond the bound; running ones are kept whatever their age. */
  #evict(): void {
    if (this.#records.size <= this.#maxExecutions) return;
    for (const [id, stored] of this.#records) {
      if (!TERMINAL_STATUSES.has(stored.status)) continue;
      this.#records.delete(id);
      this.#events.delete(id);
      if (this.#records.size <= this.#maxExecutions) return;
    }
  }

  putRecord(record: ExecutionRecord): void {
    this.#assertOpen();
    this.#records.set(record.execution_id, { ...summaryOf(record), value: this.#copy ? recordJson(record) : record });
    if (TERMINAL_STATUSES.has(record.status)) this.#evict();
  }

  appendEvent(event: ExecutionEvent): void {
    this.#assertOpen();
    let events = this.#events.get(event.execution_id);
    if (!events) this.#events.set(event.execution_id, (events = []));
    const last = events[events.length - 1];
    const entry = { seq: event.seq, value: this.#copy ? eventJson(event) : event };
    if (last === undefined || last.seq < event.seq) events.push(entry);
    else insertBySeq(events, entry);
  }

  async getRecord(executionId: string): Promise<ExecutionRecord | undefined> {
    const stored = this.#records.get(executionId);
    return stored === undefined ? undefined : this.#materialize(stored.value);
  }

  async getEvents(executionId: string, afterSeq = 0): Promise<ExecutionEvent[]> {
    const events = this.#events.get(executionId) ?? [];
    const out: ExecutionEvent[] = [];
    for (const entry of events) if (entry.seq > afterSeq) out.push(this.#materialize(entry.value));
    return out;
  }

  async listRecords(query: ListExecutionsQuery = {}): Promise<ExecutionRecord[]> {
    return selectRecords(this.#records.values(), query).map((stored) => this.#materialize(stored.value));
  }

  async claim(name: string, value: Record<string, unknown>): Promise<Record<string, unknown> | undefined> {
    this.#assertOpen();
    const existing = this.#claims.get(name);
    if (existing !== undefined) return structuredClone(existing);
    this.#claims.set(name, structuredClone(value));
    return undefined;
  }

  async release(name: string): Promise<void> {
    this.#claims.delete(name);
  }

  async flush(): Promise<void> {}

  async close(): Promise<void> {
    this.#closed = true;
  }

  #materialize<T>(value: T | string): T {
    return typeof value === "string" ? (JSON.parse(value) as T) : value;
  }

  #assertOpen(): void {
    if (this.#closed) throw storeClosed();
  }
}

/** Out-of-order or repeated events are rare; keep the list sorted by seq and let a repeat replace its twin. */
function insertBySeq<E extends { seq: number }>(events: E[], entry: E): void {
  let i = events.length;
  while (i > 0 && events[i - 1]!.seq > entry.seq) i--;
  if (i > 0 && events[i - 1]!.seq === entry.seq) events[i - 1] = entry;
  else events.splice(i, 0, entry);
}
