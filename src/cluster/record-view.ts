import { KvWatchInclude, type KV } from "@nats-io/kv";
import { selectRecords, type ExecutionRecord, type ListExecutionsQuery } from "../engine/internal.js";
import type { Logger } from "../observability/index.js";
import { idOfStoreKey } from "./subjects.js";

/** Opens one stored value of the bucket (checking its seal); throws when it fails the check. */
export type RecordDecoder = (key: string, data: Uint8Array) => ExecutionRecord;

/**
 * Every execution record of the cluster, kept in memory from a watch of the records bucket, so a listing (and the
 * orphan scan) reads no more than one map; a single record is still read from the bucket itself, which is never behind.
 */
export class RecordView {
  readonly #records = new Map<string, ExecutionRecord>();
  readonly #bucket: KV;
  /** The bucket revision the view has applied, and listings waiting for a later one. */
  #revision = 0;
  readonly #waiters: Array<{ revision: number; resolve: () => void }> = [];
  /** This process's puts on their way, by key: the watch delivering the very bytes sent takes the record as is, unopened. */
  readonly #own = new Map<string, { value: Uint8Array; record: ExecutionRecord }>();
  #stop: (() => void) | undefined;

  private constructor(bucket: KV) {
    this.#bucket = bucket;
  }

  /** Resolves once the bucket's current records are in (the watch then keeps them up to date). */
  static async start(bucket: KV, decode: RecordDecoder, logger: Logger): Promise<RecordView> {
    const view = new RecordView(bucket);
    const status = await bucket.status();
    const watch = await bucket.watch({ include: KvWatchInclude.LastValue });
    view.#stop = () => watch.stop();
    let synced!: () => void;
    const initial = new Promise<void>((resolve) => (synced = resolve));
    if (status.values === 0) synced();
    void (async () => {
      for await (const entry of watch) {
        const id = idOfStoreKey(entry.key);
        if (entry.operation === "PUT") {
          try {
            view.#records.set(id, view.#ownRecord(entry.key, entry.value) ?? decode(entry.key, entry.value));
          } catch (error) {
            view.#records.delete(id);
            logger.warn({ err: error, key: entry.key }, "an execution record in the cluster store failed its check; left out of listings");
          }
        } else view.#records.delete(id);
        view.#applied(entry.revision);
        // The initial values end at the one with nothing pending after it (resolving again later is a no-op).
        if ((entry.delta ?? 0) === 0) synced();
      }
    })();
    await initial;
    return view;
  }

  /** A put of this process is on its way: `value` as sealed, `record` what it holds (never changed afterwards). */
  own(key: string, value: Uint8Array, record: ExecutionRecord): void {
    this.#own.set(key, { value, record });
  }

  /** The record of a value this process wrote byte for byte (authentic: it sealed them), without checking and decrypting it again. */
  #ownRecord(key: string, value: Uint8Array): ExecutionRecord | undefined {
    const own = this.#own.get(key);
    if (own === undefined || !Buffer.from(value.buffer, value.byteOffset, value.byteLength).equals(own.value)) return undefined;
    this.#own.delete(key);
    return own.record;
  }

  #applied(revision: number): void {
    this.#revision = Math.max(this.#revision, revision);
    for (let i = this.#waiters.length - 1; i >= 0; i--) {
      if (this.#waiters[i]!.revision > this.#revision) continue;
      this.#waiters[i]!.resolve();
      this.#waiters.splice(i, 1);
    }
  }

  /** Resolves once the view has applied every write the bucket had when called: a listing then misses no node's write. */
  async caughtUp(): Promise<void> {
    const last = (await this.#bucket.status()).streamInfo.state.last_seq;
    if (last <= this.#revision) return;
    await new Promise<void>((resolve) => this.#waiters.push({ revision: last, resolve }));
  }

  /** The records matching `query`, newest first; `own` (this process's writes not yet acknowledged) wins over the view. */
  select(query: ListExecutionsQuery, own: ReadonlyMap<string, ExecutionRecord>): ExecutionRecord[] {
    // No copy of the view per listing (the orphan scan lists every couple of seconds): own writes first, then the rest.
    const records = this.#records;
    function* merged(): Iterable<ExecutionRecord> {
      yield* own.values();
      for (const [id, record] of records) if (!own.has(id)) yield record;
    }
    return selectRecords(own.size === 0 ? records.values() : merged(), query).map((record) => structuredClone(record));
  }

  stop(): void {
    this.#stop?.();
  }
}
