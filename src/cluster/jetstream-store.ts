import { createHash } from "node:crypto";
import { setTimeout as sleep } from "node:timers/promises";
import type { NatsConnection, Subscription } from "@nats-io/transport-node";
import { jetstream, jetstreamManager, type JetStreamClient, type JetStreamManager } from "@nats-io/jetstream";
import { Kvm, type KV } from "@nats-io/kv";
import { eventJson, recordJson, storeClosed, type ExecutionEvent, type ExecutionRecord, type ExecutionStore, type ListExecutionsQuery } from "../engine/internal.js";
import type { Logger } from "../observability/index.js";
import { ClusterError } from "./errors.js";
import { RecordView } from "./record-view.js";
import { CLUSTER_STORE, eventSubject, storeKey } from "./subjects.js";
import { SealedStoreValues } from "./trust/sealed-store-values.js";
import type { Seal } from "./trust/cluster-seal.js";
import type { ClusterRejections } from "./trust/rejections.js";

export interface JetStreamStoreOptions {
  /** Copies JetStream keeps of every bucket and stream (1 on a single nats-server; 3 on a NATS cluster). */
  replicas: number;
  /** Records and events older than this are dropped by JetStream itself (the bucket's and stream's max_age). */
  retentionMs: number;
  /** Signs (and encrypts the tenant data of) every value written, and checks every value read. */
  seal: Seal;
  rejections: ClusterRejections;
}

interface Parts {
  nc: NatsConnection;
  js: JetStreamClient;
  jsm: JetStreamManager;
  records: KV;
  claims: KV;
  view: RecordView;
}

/** Where a record or claim lives, as its seal names it: a value moved to another key fails the check. */
const recordWhere = (key: string) => `kv.${CLUSTER_STORE.records}.${key}`;
const claimWhere = (key: string) => `kv.${CLUSTER_STORE.claims}.${key}`;
/** How long a failed write waits before it is sent again (NATS away: the client buffers, JetStream may not answer). */
const RETRY_MS = 250;

/** A claim's key: the name hashed, since names carry a caller's idempotency key and KV keys allow few characters. */
function claimKey(name: string): string {
  return createHash("sha256").update(name).digest("hex");
}

/**
 * The execution store of a cluster, on JetStream: every record in a KV bucket (the latest version per execution), every
 * event in one stream under a subject per execution, so any node reads any execution and watchers on any node see its
 * events live (`subscribe`). Writes are pipelined: `putRecord` and `appendEvent` return at once, this process reads its
 * own writes before JetStream acknowledges them, and `flush` resolves once everything written so far is acknowledged
 * (stored on disk by the server). A write that fails is sent again until it lands; event ids make resends harmless.
 * Until NATS is first reached, writes wait in memory and reads wait for it.
 */
export class JetStreamExecutionStore implements ExecutionStore {
  readonly #ready: Promise<Parts>;
  readonly #logger: Logger;
  /** Record versions not yet acknowledged, newest per execution, and whether one is on its way. */
  readonly #records = new Map<string, { json: string; summary: ExecutionRecord; sending: boolean; dirty: boolean }>();
  /** Events not yet acknowledged, per execution: what this process reads of its own before JetStream has it. */
  readonly #events = new Map<string, Map<number, ExecutionEvent>>();
  readonly #inFlight = new Set<Promise<unknown>>();
  readonly #values: SealedStoreValues;
  #parts: Parts | undefined;
  #closed = false;

  constructor(nc: NatsConnection | Promise<NatsConnection>, options: JetStreamStoreOptions, logger: Logger) {
    this.#logger = logger;
    this.#values = new SealedStoreValues(options.seal, options.rejections);
    this.#ready = Promise.resolve(nc).then((conn) => this.#open(conn, options));
    this.#ready.then(
      (parts) => {
        this.#parts = parts;
        for (const id of this.#records.keys()) this.#sendRecord(id);
        for (const events of this.#events.values()) for (const event of events.values()) this.#sendEvent(event, JSON.stringify(event));
      },
      (error: unknown) => logger.error({ err: error }, "cannot open the cluster store on JetStream"),
    );
  }

  /** Makes (or binds to) the records and claims buckets and the events stream, and starts the listing's view. */
  async #open(nc: NatsConnection, options: JetStreamStoreOptions): Promise<Parts> {
    const js = jetstream(nc);
    const jsm = await jetstreamManager(nc);
    const maxAgeNs = options.retentionMs * 1_000_000;
    const bucket = { replicas: options.replicas, storage: "file" as const, history: 1, ttl: options.retentionMs };
    const kvm = new Kvm(js);
    const records = await kvm.create(CLUSTER_STORE.records, bucket);
    const claims = await kvm.create(CLUSTER_STORE.claims, bucket);
    const stream = { name: CLUSTER_STORE.events, subjects: [`${CLUSTER_STORE.eventsPrefix}.>`], storage: "file" as const, num_replicas: options.replicas, max_age: maxAgeNs, duplicate_window: 120_000_000_000 };
    try {
      await jsm.streams.info(stream.name);
      await jsm.streams.update(stream.name, { max_age: stream.max_age, num_replicas: stream.num_replicas });
    } catch (error) {
      if ((error as { code?: number | string }).code !== 404 && !/not found/i.test(String((error as Error).message))) throw error;
      await jsm.streams.add(stream);
    }
    const view = await RecordView.start(records, (key, data) => this.#values.recordOf(recordWhere(key), data), this.#logger);
    return { nc, js, jsm, records, claims, view };
  }

  putRecord(record: ExecutionRecord): void {
    this.#assertOpen();
    const id = record.execution_id;
    const json = recordJson(record);
    const pending = this.#records.get(id);
    const summary = JSON.parse(json) as ExecutionRecord;
    if (pending === undefined) this.#records.set(id, { json, summary, sending: false, dirty: true });
    else Object.assign(pending, { json, summary, dirty: true });
    this.#sendRecord(id);
  }

  appendEvent(event: ExecutionEvent): void {
    this.#assertOpen();
    const json = eventJson(event);
    const copy = JSON.parse(json) as ExecutionEvent;
    let events = this.#events.get(event.execution_id);
    if (events === undefined) this.#events.set(event.execution_id, (events = new Map()));
    events.set(copy.seq, copy);
    this.#sendEvent(copy, json);
  }

  /** One put at a time per execution, always of its newest version: an older one can never land after a newer. */
  #sendRecord(id: string): void {
    const pending = this.#records.get(id);
    const parts = this.#parts;
    if (pending === undefined || pending.sending || !pending.dirty || parts === undefined) return;
    pending.sending = true;
    pending.dirty = false;
    const key = storeKey(id);
    const value = this.#values.record(recordWhere(key), pending.json, pending.summary);
    this.#track(
      parts.records.put(key, value).then(
        () => {
          pending.sending = false;
          if (pending.dirty) this.#sendRecord(id);
          else if (this.#records.get(id) === pending) this.#records.delete(id);
        },
        (error: unknown) => {
          pending.sending = false;
          pending.dirty = true;
          this.#retry(error, "record", () => this.#sendRecord(id));
        },
      ),
    );
  }

  #sendEvent(event: ExecutionEvent, json: string): void {
    const parts = this.#parts;
    if (parts === undefined) return;
    const id = event.execution_id;
    const subject = eventSubject(id);
    this.#track(
      parts.js.publish(subject, this.#values.event(subject, json, event), { msgID: `${id}:${event.seq}` }).then(
        () => {
          const events = this.#events.get(id);
          if (events?.get(event.seq) !== event) return;
          events.delete(event.seq);
          if (events.size === 0) this.#events.delete(id);
        },
        (error: unknown) => this.#retry(error, "event", () => this.#sendEvent(event, json)),
      ),
    );
  }

  #retry(error: unknown, what: string, again: () => void): void {
    if (this.#closed) return;
    this.#logger.warn({ err: error }, `writing an execution ${what} to JetStream failed; sending it again`);
    this.#track(sleep(RETRY_MS).then(again));
  }

  #track(write: Promise<unknown>): void {
    this.#inFlight.add(write);
    void write.finally(() => this.#inFlight.delete(write));
  }

  async getRecord(executionId: string): Promise<ExecutionRecord | undefined> {
    const pending = this.#records.get(executionId);
    if (pending !== undefined) return JSON.parse(pending.json) as ExecutionRecord;
    const { records } = await this.#ready;
    const key = storeKey(executionId);
    const entry = await records.get(key);
    if (entry === null || entry.operation !== "PUT") return undefined;
    return this.#values.recordOf(recordWhere(key), entry.value);
  }

  async getEvents(executionId: string, afterSeq = 0): Promise<ExecutionEvent[]> {
    const { js, jsm } = await this.#ready;
    const subject = eventSubject(executionId);
    const bySeq = new Map<number, ExecutionEvent>();
    const last = await jsm.streams.getMessage(CLUSTER_STORE.events, { last_by_subj: subject });
    if (last !== null && this.#values.eventOf(subject, last.data).seq > afterSeq) {
      const consumer = await js.consumers.get(CLUSTER_STORE.events, { filter_subjects: subject });
      try {
        for (let reached = false; !reached; ) {
          for await (const message of await consumer.fetch({ max_messages: 512, expires: 5000 })) {
            const event = this.#values.eventOf(subject, message.data);
            if (event.seq > afterSeq) bySeq.set(event.seq, event);
            if (message.seq >= last.seq) {
              reached = true;
              break;
            }
          }
        }
      } finally {
        void consumer.delete().catch(() => undefined);
      }
    }
    for (const event of this.#events.get(executionId)?.values() ?? []) if (event.seq > afterSeq) bySeq.set(event.seq, event);
    return [...bySeq.values()].sort((a, b) => a.seq - b.seq);
  }

  async listRecords(query: ListExecutionsQuery = {}): Promise<ExecutionRecord[]> {
    const { view } = await this.#ready;
    await view.caughtUp();
    const own = new Map<string, ExecutionRecord>();
    for (const [id, pending] of this.#records) own.set(id, pending.summary);
    return view.select(query, own);
  }

  async claim(name: string, value: Record<string, unknown>): Promise<Record<string, unknown> | undefined> {
    this.#assertOpen();
    const { claims } = await this.#ready;
    const key = claimKey(name);
    try {
      await claims.create(key, this.#values.claim(claimWhere(key), JSON.stringify(value)));
      return undefined;
    } catch (error) {
      const winner = await claims.get(key);
      if (winner === null || winner.operation !== "PUT") throw error;
      return this.#values.claimOf(claimWhere(key), winner.value);
    }
  }

  async release(name: string): Promise<void> {
    const { claims } = await this.#ready;
    await claims.delete(claimKey(name));
  }

  /** Live events of an execution from every node: the stream's subject is a plain NATS subject too. */
  subscribe(executionId: string, listener: (event: ExecutionEvent) => void): () => void {
    const subject = eventSubject(executionId);
    const sub: Subscription = this.#connection().subscribe(subject, {
      callback: (_error, message) => {
        let event: ExecutionEvent;
        try {
          event = this.#values.eventOf(subject, message.data);
        } catch {
          return; // Counted and refused; the follower's re-read fills any gap from what the stream holds.
        }
        listener(event);
      },
    });
    return () => sub.unsubscribe();
  }

  #connection(): NatsConnection {
    if (this.#parts === undefined) throw new ClusterError("WFX_CLUSTER_STORE_UNAVAILABLE", "the cluster store is not open yet: NATS has not been reached", { hint: "check /ready; the node retries NATS until it answers" });
    return this.#parts.nc;
  }

  /** Resolves once every write made so far is acknowledged by JetStream. */
  async flush(): Promise<void> {
    await this.#ready;
    while (this.#inFlight.size > 0) await Promise.all([...this.#inFlight]);
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    const parts = await Promise.race([this.#ready.catch(() => undefined), sleep(1000, undefined, { ref: false })]);
    if (parts !== undefined) await Promise.race([this.flush(), sleep(5000, undefined, { ref: false })]);
    this.#closed = true;
    parts?.view.stop();
  }

  #assertOpen(): void {
    if (this.#closed) throw storeClosed();
  }
}
