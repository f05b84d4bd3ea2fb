import { setTimeout as sleep } from "node:timers/promises";
import { KvWatchInclude, type KV } from "@nats-io/kv";
import { selectRecords, type ExecutionRecord, type ListExecutionsQuery } from "../engine/internal.js";
import type { Logger } from "../observability/index.js";
import { backoffMs } from "./retried.js";
import { idOfStoreKey } from "./subjects.js";

type Watch = Awaited<ReturnType<KV["watch"]>>;
type BucketState = { last_seq: number; messages: number };

/** How long a listing asks again for the bucket's state while JetStream does not answer (a restart takes seconds). */
const STATE_RETRY_MS = 15_000;

/** How often the initial read checks the bucket's state for records that expired before they were delivered. */
const CHECK_MS = 1000;

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
  #stopped = false;
  readonly #decode: RecordDecoder;
  readonly #logger: Logger;

  private constructor(bucket: KV, decode: RecordDecoder, logger: Logger) {
    this.#bucket = bucket;
    this.#decode = decode;
    this.#logger = logger;
  }

  /**
   * Resolves once the bucket's current records are in (the watch then keeps them up to date); rejects when the watch
   * ends before that (the store's opening is retried).
   */
  static async start(bucket: KV, decode: RecordDecoder, logger: Logger): Promise<RecordView> {
    const view = new RecordView(bucket, decode, logger);
    const watch = await bucket.watch({ include: KvWatchInclude.LastValue });
    let synced!: () => void;
    const initial = new Promise<void>((resolve) => (synced = resolve));
    const ended = view.#follow(watch, synced);
    // The initial values end at the one with nothing pending after it; if they expire before they are delivered, that
    // one never comes: the bucket's state then says when nothing is left to wait for.
    const hasAll = async () => view.#hasAll(await view.#state(0));
    const check = setInterval(() => void hasAll().then((all) => all && synced(), () => undefined), CHECK_MS);
    try {
      if (await hasAll()) synced();
      const first = await Promise.race([initial.then(() => "synced" as const), ended.then(() => "ended" as const)]);
      if (first === "ended") throw new Error("the cluster store's record watch ended before it had read the bucket's records");
    } catch (error) {
      // The opening is retried with a watch of its own: this one must not go on beside it.
      watch.stop();
      throw error;
    } finally {
      clearInterval(check);
    }
    // From here on, a watch that ends (not stopped here) is opened again after the last revision applied.
    void ended.then(() => view.#rewatch());
    return view;
  }

  /** Applies what `watch` delivers; resolves when it ends. `synced` is called at the entry with nothing pending after it. */
  async #follow(watch: Watch, synced: () => void = () => {}): Promise<void> {
    this.#stop = () => watch.stop();
    for await (const entry of watch) {
      const id = idOfStoreKey(entry.key);
      if (entry.operation === "PUT") {
        try {
          this.#records.set(id, this.#ownRecord(entry.key, entry.value) ?? this.#decode(entry.key, entry.value));
        } catch (error) {
          this.#records.delete(id);
          this.#logger.warn({ err: error, key: entry.key }, "an execution record in the cluster store failed its check; left out of listings");
        }
      } else this.#records.delete(id);
      this.#applied(entry.revision);
      if ((entry.delta ?? 0) === 0) synced();
    }
  }

  /** The watch ended without being stopped here: opened again after the last revision applied, retried until it opens. */
  async #rewatch(): Promise<void> {
    if (this.#stopped) return;
    this.#logger.warn({ revision: this.#revision }, "the cluster store's record watch ended; opening it again from where it was");
    for (let n = 1; !this.#stopped; n++) {
      try {
        const watch = await this.#bucket.watch({ include: KvWatchInclude.AllHistory, resumeFromRevision: this.#revision + 1 });
        if (this.#stopped) return watch.stop();
        void this.#follow(watch).then(() => this.#rewatch());
        return;
      } catch {
        await sleep(backoffMs(n));
      }
    }
  }

  /** Whether the view has every write the bucket holds in `state`: it applied the last, or the bucket holds none (all expired). */
  #hasAll(state: BucketState): boolean {
    return state.messages === 0 || state.last_seq <= this.#revision;
  }

  /** The bucket's state; asked again (backing off) for up to `retryMs` while JetStream does not answer, as right after a nats-server restart. */
  async #state(retryMs: number): Promise<BucketState> {
    const deadline = Date.now() + retryMs;
    for (let n = 1; ; n++) {
      try {
        return (await this.#bucket.status()).streamInfo.state;
      } catch (error) {
        if (this.#stopped || Date.now() + backoffMs(n) > deadline) throw error;
        await sleep(backoffMs(n));
      }
    }
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

  /**
   * Resolves once the view has applied every write the bucket had when called: a listing then misses no node's write.
   * A bucket whose records all expired holds none, however far its last revision is: nothing to wait for then.
   */
  async caughtUp(): Promise<void> {
    const state = await this.#state(STATE_RETRY_MS);
    if (this.#hasAll(state)) return;
    await new Promise<void>((resolve) => this.#waiters.push({ revision: state.last_seq, resolve }));
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
    this.#stopped = true;
    this.#stop?.();
  }
}
