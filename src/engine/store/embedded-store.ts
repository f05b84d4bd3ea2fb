import { mkdir, realpath } from "node:fs/promises";
import { join } from "node:path";
import type { ExecutionEvent, ExecutionRecord, ExecutionStore, ListExecutionsQuery } from "../types.js";
import { resolveEmbeddedStoreOptions, type EmbeddedStoreOptions, type ResolvedEmbeddedStoreOptions } from "./embedded-store-options.js";
import { StoreError, storeClosed } from "./errors.js";
import { ByteRing } from "./byte-ring.js";
import { ClaimFiles } from "./claim-files.js";
import { compactJournal, type CompactionResult } from "./journal-compactor.js";
import { EVENT_LINE_PREFIX, LINE_END, recordLinePrefix } from "./journal-format.js";
import { JournalIndex } from "./journal-index.js";
import { JournalWriter } from "./journal-writer.js";
import { RecentCache } from "./recent-cache.js";
import { selectRecords, summaryOf, type RecordSummary } from "./record-query.js";
import { eventJson, recordJson } from "./stored-json.js";

/** A recent record: what listings filter on, and where its JSON sits in the ring. */
interface HotRecord extends RecordSummary {
  at: number;
  bytes: number;
}

interface HotEvents {
  /** True while every event of the execution went through this store, so memory alone answers. */
  complete: boolean;
  /** Flat [seq, ring position, bytes] triples, in seq order: no object per event for the collector to copy. */
  refs: number[];
}


/**
 * The single-node store: an append-only journal of JSON lines under `<dataDir>/journal/`, one segment per writing
 * store. Writes are buffered and batched; reads of this store's own recent executions come from memory, anything
 * else (other processes, earlier runs) from an incrementally read index of all segments.
 */
export class EmbeddedExecutionStore implements ExecutionStore {
  readonly #options: ResolvedEmbeddedStoreOptions;
  readonly #dir: string;
  readonly #writer: JournalWriter | undefined;
  readonly #index: JournalIndex;
  readonly #claims: ClaimFiles;
  readonly #hot: RecentCache<HotRecord>;
  readonly #events: RecentCache<HotEvents>;
  /** The JSON of recent records and events, off the heap; `#hot` and `#events` point into it. */
  readonly #ring: ByteRing;
  #compacting: Promise<CompactionResult> | undefined;
  #compactTimer: NodeJS.Timeout | undefined;
  #lastCompactionError: unknown;
  #closed = false;

  static async open(options: EmbeddedStoreOptions = {}): Promise<EmbeddedExecutionStore> {
    let resolved = resolveEmbeddedStoreOptions(options);
    if (!resolved.readOnly) {
      try {
        await mkdir(join(resolved.dataDir, "journal"), { recursive: true });
      } catch (err) {
        throw new StoreError("WFX_STORE_OPEN_FAILED", `cannot create the data dir ${resolved.dataDir}: ${(err as Error).message}`, {
          hint: "set WFX_DATA_DIR to a writable folder",
          cause: err,
        });
      }
    }
    // One spelling per folder, so two stores of this process reaching it through a symlink still see each other's live segments.
    const dataDir = await realpath(resolved.dataDir).catch(() => resolved.dataDir);
    resolved = Object.freeze({ ...resolved, dataDir });
    const store = new EmbeddedExecutionStore(resolved, join(dataDir, "journal"));
    if (resolved.compactOnOpen) await store.compact();
    return store;
  }

  private constructor(options: ResolvedEmbeddedStoreOptions, dir: string) {
    this.#options = options;
    this.#dir = dir;
    this.#index = new JournalIndex(dir);
    this.#claims = new ClaimFiles(options.dataDir);
    this.#hot = new RecentCache(options.maxCachedExecutions);
    this.#events = new RecentCache(options.maxCachedExecutions);
    this.#ring = new ByteRing(options.cachedBytes);
    if (!options.readOnly) {
      this.#writer = new JournalWriter(dir, options, options.now());
      if (options.compactIntervalMs > 0) {
        this.#compactTimer = setInterval(() => void this.compact().catch(() => undefined), options.compactIntervalMs).unref();
      }
    }
  }

  get dataDir(): string {
    return this.#options.dataDir;
  }

  putRecord(record: ExecutionRecord): void {
    const writer = this.#writable();
    const start = writer.append(recordLinePrefix(this.#options.now()), serialize(record, "record", recordJson), LINE_END);
    // The record's JSON, encoded once by the writer, is copied into the ring as bytes.
    const at = this.#ring.copy(writer.pending, start, writer.bodyEnd);
    this.#hot.set(record.execution_id, { ...summaryOf(record), at, bytes: this.#ring.lastBytes });
  }

  appendEvent(event: ExecutionEvent): void {
    const writer = this.#writable();
    const start = writer.append(EVENT_LINE_PREFIX, serialize(event, "event", eventJson), LINE_END);
    let cached = this.#events.get(event.execution_id, true);
    if (!cached) this.#events.set(event.execution_id, (cached = { complete: event.seq === 1, refs: [] }));
    if (!cached.complete) return;
    const refs = cached.refs;
    const at = refs.length / 3 >= this.#options.maxCachedEventsPerExecution || (refs.length > 0 && refs[refs.length - 3]! >= event.seq) ? -1 : this.#ring.copy(writer.pending, start, writer.bodyEnd);
    if (at < 0) {
      // Out of order, repeated, too many or too large: let the journal (which sorts and de-duplicates) answer from now on.
      cached.complete = false;
      cached.refs = [];
      return;
    }
    refs.push(event.seq, at, this.#ring.lastBytes);
  }

  async getRecord(executionId: string): Promise<ExecutionRecord | undefined> {
    const hot = this.#hot.get(executionId);
    const json = hot === undefined ? undefined : this.#ring.read(hot.at, hot.bytes);
    if (json !== undefined) return JSON.parse(json) as ExecutionRecord;
    await this.#catchUp();
    const indexed = this.#index.get(executionId);
    return indexed === undefined ? undefined : structuredClone(indexed.record);
  }

  async getEvents(executionId: string, afterSeq = 0): Promise<ExecutionEvent[]> {
    const cached = this.#events.get(executionId);
    const cachedEvents = cached?.complete ? this.#cachedEvents(cached.refs, afterSeq) : undefined;
    if (cachedEvents !== undefined) return cachedEvents;
    await this.#catchUp();
    return this.#index.readEvents(executionId, afterSeq);
  }

  async listRecords(query: ListExecutionsQuery = {}): Promise<ExecutionRecord[]> {
    await this.#catchUp();
    // Nothing is made per stored record (the orphan scan lists every couple of seconds): only what a listing selects is read.
    const ring = this.#ring;
    const hot = new Map<string, HotRecord>();
    // A record the ring has written over is the index's (which has every line this store wrote); nothing is written before it is read.
    for (const recent of this.#hot.values()) if (ring.holds(recent.at)) hot.set(recent.execution_id, recent);
    const hotOnes = new Set<RecordSummary>(hot.values());
    function* everyRecord(index: JournalIndex): Iterable<RecordSummary> {
      yield* hotOnes;
      for (const { record } of index.records()) if (!hot.has(record.execution_id)) yield record;
    }
    return selectRecords(everyRecord(this.#index), query).map((summary) => {
      if (!hotOnes.has(summary)) return structuredClone(summary as ExecutionRecord);
      const recent = summary as HotRecord;
      return JSON.parse(ring.read(recent.at, recent.bytes)!) as ExecutionRecord;
    });
  }

  claim(name: string, value: Record<string, unknown>): Promise<Record<string, unknown> | undefined> {
    this.#writable();
    return this.#claims.claim(name, value);
  }

  release(name: string): Promise<void> {
    this.#writable();
    return this.#claims.release(name);
  }

  /** Writes and fdatasyncs everything put or appended so far. */
  async flush(): Promise<void> {
    await this.#writer?.sync();
  }

  /**
   * Merges closed segments and applies retention. Runs at open and every `compactIntervalMs`; one at a time per
   * store, and never on a segment another process is compacting.
   */
  compact(): Promise<CompactionResult> {
    if (this.#options.readOnly) return Promise.resolve({ inputs: 0, keptExecutions: 0, droppedExecutions: 0 });
    this.#compacting ??= compactJournal(this.#dir, { retentionMs: this.#options.retentionMs, now: this.#options.now })
      .then(
        (result) => {
          this.#lastCompactionError = undefined;
          return result;
        },
        (err: unknown) => {
          this.#lastCompactionError = err;
          throw new StoreError("WFX_STORE_COMPACTION_FAILED", `compacting ${this.#dir} failed: ${(err as Error).message}`, {
            hint: "check permissions and free space in the data dir; the journal itself is intact",
            cause: err,
            retryable: true,
          });
        },
      )
      .finally(() => {
        this.#compacting = undefined;
      });
    return this.#compacting;
  }

  /** The last background failure (a write or a compaction), if the store has not recovered from it. */
  get lastError(): unknown {
    return this.#writer?.lastError ?? this.#lastCompactionError;
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    if (this.#compactTimer) clearInterval(this.#compactTimer);
    await this.#compacting?.catch(() => undefined);
    await this.#writer?.close();
  }

  /** The events after `afterSeq` from the ring; undefined when it has written over any of them. */
  #cachedEvents(refs: readonly number[], afterSeq: number): ExecutionEvent[] | undefined {
    const out: ExecutionEvent[] = [];
    for (let i = 0; i < refs.length; i += 3) {
      if (refs[i]! <= afterSeq) continue;
      const json = this.#ring.read(refs[i + 1]!, refs[i + 2]!);
      if (json === undefined) return undefined;
      out.push(JSON.parse(json) as ExecutionEvent);
    }
    return out;
  }

  #writable(): JournalWriter {
    if (this.#closed) throw storeClosed();
    if (!this.#writer) {
      throw new StoreError("WFX_STORE_READ_ONLY", "this execution store was opened read-only", { hint: "open it without `readOnly` to write" });
    }
    return this.#writer;
  }

  /** Puts our own buffered lines in the file (so the index sees them), then reads what every segment added. */
  async #catchUp(): Promise<void> {
    try {
      this.#writer?.writeBuffered();
    } catch {
      // Reported by flush(); reading what is on disk is still right.
    }
    await this.#index.refresh();
  }
}


function serialize<T extends ExecutionRecord | ExecutionEvent>(value: T, what: "record" | "event", toJson: (value: T) => string): string {
  try {
    return toJson(value);
  } catch (err) {
    throw new StoreError("WFX_STORE_NOT_SERIALIZABLE", `execution ${what} ${value.execution_id} cannot be stored as JSON: ${(err as Error).message}`, {
      hint: "step outputs and results must be JSON values (no cycles, no BigInt)",
      cause: err,
    });
  }
}
