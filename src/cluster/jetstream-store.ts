import { setTimeout as sleep } from "node:timers/promises";
import type { NatsConnection, Subscription } from "@nats-io/transport-node";
import { eventJson, storeClosed, type ExecutionEvent, type ExecutionRecord, type ExecutionStore, type ListExecutionsQuery } from "../engine/internal.js";
import type { Logger } from "../observability/index.js";
import { ClusterError } from "./errors.js";
import { WriteHealth, type StoreHealth } from "./write-health.js";
import { WriteWindow } from "./write-window.js";
import { EventChains, type EventHead } from "./event-chains.js";
import { storedEventsRetried } from "./stored-events.js";
import { retried } from "./retried.js";
import { RecordPuts, recordWhere } from "./record-puts.js";
import { StoredWaiters } from "./stored-waiters.js";
import { claimName, releaseName } from "./store-claims.js";
import { openStoreParts, type JetStreamStoreOptions, type StoreParts as Parts } from "./store-parts.js";
import { eventSubject, storeKey } from "./subjects.js";
import { SealedStoreValues } from "./trust/sealed-store-values.js";

export type { JetStreamStoreOptions } from "./store-parts.js";

/** Room a message's headers and seal take beside the value, under the server's max_payload. */
const ENVELOPE_BYTES = 4096;

/** An event not yet acknowledged: what the chain needs of it, and its JSON (parsed only when this process reads it back). */
type PendingEvent = EventHead & { json: string };

/**
 * The execution store of a cluster, on JetStream: every record in a KV bucket (the latest version per execution), every
 * event in one stream under a subject per execution, so any node reads any execution and watchers on any node see its
 * events live (`subscribe`). Writes are pipelined: `putRecord` and `appendEvent` return at once and go out together at
 * the end of the turn (WriteWindow), this process reads its own writes before JetStream acknowledges them, and `flush`
 * sends what waits and resolves once everything written so far is acknowledged (stored on disk by the server). A write that fails is sent again, backing off, until it lands; message ids make
 * resends harmless. Every write is conditional on the last one this process saw (fencing): once another process has
 * adopted an execution, this one's next write of it fails, and it never writes that execution again (`onFenced`).
 * Until NATS is first reached, writes wait in memory and reads wait for it.
 */
export class JetStreamExecutionStore implements ExecutionStore {
  readonly #ready: Promise<Parts>;
  readonly #logger: Logger;
  /** Events not yet acknowledged, per execution: what this process reads of its own before JetStream has it. */
  readonly #events = new Map<string, Map<number, PendingEvent>>();
  readonly #inFlight = new Set<Promise<unknown>>();
  readonly #values: SealedStoreValues;
  readonly #fencedListeners: ((executionId: string, reason: string) => void)[] = [];
  #chains: EventChains | undefined;
  readonly #fencedIds = new Set<string>();
  #parts: Parts | undefined;
  #closed = false;
  readonly #health: WriteHealth;
  /** When the store was made: one that has not opened on JetStream within the health bound makes the node not ready. */
  readonly #createdMs = Date.now();
  readonly #records: RecordPuts;
  readonly #stored = new StoredWaiters((id) => this.#records.has(id) || this.#events.has(id));
  /** Writes wait for the end of the turn, then go together: one message per execution per turn, one socket write for all. */
  readonly #window = new WriteWindow((id) => {
    this.#chains?.pump(id);
    this.#sendRecord(id);
  });

  constructor(nc: NatsConnection | Promise<NatsConnection>, options: JetStreamStoreOptions, logger: Logger) {
    this.#logger = logger;
    this.#health = new WriteHealth(options.unhealthyAfterMs);
    this.#values = new SealedStoreValues(options.seal, options.rejections);
    this.#records = new RecordPuts({
      values: this.#values,
      maxBytes: () => this.#maxBytes(),
      eventsPending: (id) => this.#events.has(id),
      due: (id) => this.#window.due(id),
      settled: (id) => this.#stored.wake(id),
      fenced: (id, reason) => this.#fence(id, reason),
      track: (write) => this.#track(write),
      health: this.#health,
      closed: () => this.#closed,
      logger,
    });
    // Retried while JetStream cannot open it yet (a NATS cluster electing leaders): writes wait in memory, reads wait.
    this.#ready = Promise.resolve(nc).then((conn) => retried(() => openStoreParts(conn, options, (key, data) => this.#values.recordOf(recordWhere(key), data), this.#logger), () => this.#closed || conn.isClosed(), (error, attempt, delay) => {
      if (attempt === 1 || attempt % 10 === 0) logger.warn({ err: error, attempt, retry_in_ms: delay }, "cannot open the cluster store on JetStream yet; trying again");
    }));
    this.#ready.then(
      (parts) => {
        this.#parts = parts;
        this.#chains = this.#chainsOver(parts);
        for (const id of this.#records.ids()) this.#sendRecord(id);
        for (const events of this.#events.values()) for (const event of events.values()) this.#chains.append(event, event.json);
        this.#chains.pumpAll();
      },
      (error: unknown) => logger.error({ err: error }, "cannot open the cluster store on JetStream"),
    );
  }

  putRecord(record: ExecutionRecord): void {
    this.#assertOpen();
    const id = record.execution_id;
    if (this.#fencedIds.has(id)) return;
    this.#records.put(record);
    this.#window.due(id);
  }

  appendEvent(event: ExecutionEvent): void {
    this.#assertOpen();
    if (this.#fencedIds.has(event.execution_id)) return;
    const pending: PendingEvent = { execution_id: event.execution_id, seq: event.seq, type: event.type, json: eventJson(event) };
    let events = this.#events.get(event.execution_id);
    if (events === undefined) this.#events.set(event.execution_id, (events = new Map()));
    events.set(pending.seq, pending);
    this.#chains?.append(pending, pending.json);
    this.#window.due(event.execution_id);
  }

  /** This process won the claim to adopt an execution it was fenced on (its adopter died since): its writes of it land again. */
  adopting(executionId: string): void {
    if (this.#fencedIds.delete(executionId)) this.#chains?.forget(executionId);
  }

  /** Told when another process adopted an execution this one was writing: stop running it here. */
  onFenced(listener: (executionId: string, reason: string) => void): void {
    this.#fencedListeners.push(listener);
  }

  #chainsOver(parts: Parts): EventChains {
    return new EventChains({
      publisher: parts.publisher,
      jsm: parts.jsm,
      encode: (subject, jsons, events) => this.#values.events(subject, jsons, events),
      maxBytes: () => this.#maxBytes(),
      landed: (event) => {
        const events = this.#events.get(event.execution_id);
        if (events?.get(event.seq) !== event) return;
        events.delete(event.seq);
        if (events.size > 0) return;
        this.#events.delete(event.execution_id);
        this.#window.due(event.execution_id);
        this.#stored.wake(event.execution_id);
      },
      fenced: (id, reason) => this.#fence(id, reason),
      track: (write) => this.#track(write),
      health: this.#health,
      closed: () => this.#closed,
      logger: this.#logger,
    });
  }

  /** Nothing more of the execution is written from here, and its reads come from JetStream (the adopter's truth). */
  #fence(executionId: string, reason: string): void {
    if (this.#fencedIds.has(executionId)) return;
    this.#fencedIds.add(executionId);
    this.#chains?.fence(executionId);
    this.#records.drop(executionId);
    this.#events.delete(executionId);
    this.#stored.wake(executionId);
    this.#health.settled(`record ${executionId}`);
    this.#logger.warn({ execution_id: executionId }, `fenced: ${reason}; this node stops running it and never writes it again`);
    for (const listener of this.#fencedListeners) listener(executionId, reason);
  }

  #sendRecord(id: string): void {
    if (this.#parts !== undefined) this.#records.send(id, this.#parts);
  }

  /** What one record or events message may take as JSON: the server's max_payload less room for headers and seal. */
  #maxBytes(): number {
    return (this.#parts?.nc.info?.max_payload ?? 1024 * 1024) - ENVELOPE_BYTES;
  }

  /** Resolves once nothing of this execution waits to be stored here (its record and events acknowledged, or fenced). */
  stored(executionId: string): Promise<void> {
    return this.#stored.wait(executionId);
  }

  #track(write: Promise<unknown>): void {
    this.#inFlight.add(write);
    void write.finally(() => this.#inFlight.delete(write));
  }

  async getRecord(executionId: string): Promise<ExecutionRecord | undefined> {
    const pending = this.#records.pending(executionId);
    if (pending !== undefined) return pending;
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
    // Own events not yet acknowledged, taken before the stream is read: one that lands meanwhile is in one or the other.
    const own = [...(this.#events.get(executionId)?.values() ?? [])];
    for (const event of await storedEventsRetried(js, jsm, subject, afterSeq, (data) => this.#values.eventsOf(subject, data))) bySeq.set(event.seq, event);
    for (const event of own) if (event.seq > afterSeq) bySeq.set(event.seq, JSON.parse(event.json) as ExecutionEvent);
    return [...bySeq.values()].sort((a, b) => a.seq - b.seq);
  }

  async listRecords(query: ListExecutionsQuery = {}): Promise<ExecutionRecord[]> {
    const { view } = await this.#ready;
    await view.caughtUp();
    return view.select(query, this.#records.all());
  }

  async claim(name: string, value: Record<string, unknown>): Promise<Record<string, unknown> | undefined> {
    this.#assertOpen();
    return claimName((await this.#ready).claims, this.#values, name, value);
  }

  async release(name: string): Promise<void> {
    await releaseName((await this.#ready).claims, name);
  }

  /** Live events of an execution from every node: the stream's subject is a plain NATS subject too. */
  subscribe(executionId: string, listener: (event: ExecutionEvent) => void): () => void {
    const subject = eventSubject(executionId);
    const sub: Subscription = this.#connection().subscribe(subject, {
      callback: (_error, message) => {
        let events: ExecutionEvent[];
        try {
          events = this.#values.eventsOf(subject, message.data);
        } catch {
          return; // Counted and refused; the follower's re-read fills any gap from what the stream holds.
        }
        for (const event of events) listener(event);
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
    // A final record waits for its events and is due in the turn they land: sent at once after each wait, not a turn later.
    for (this.#window.now(); this.#inFlight.size > 0; this.#window.now()) await Promise.all([...this.#inFlight]);
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    const parts = await Promise.race([this.#ready.catch(() => undefined), sleep(1000, undefined, { ref: false })]);
    if (parts !== undefined) await Promise.race([this.flush(), sleep(5000, undefined, { ref: false })]);
    this.#closed = true;
    parts?.view.stop();
    parts?.publisher.close();
  }

  /** Not healthy while a write has failed for a while, or while the store has not opened for as long: the node answers not ready with the reason. */
  health(): StoreHealth {
    const waited = Date.now() - this.#createdMs;
    if (this.#parts === undefined && !this.#closed && waited > this.#health.unhealthyAfterMs) {
      return { ready: false, reason: `the cluster store has not opened on JetStream for ${Math.round(waited / 1000)} s (reads and listings wait, writes are held in memory): see the node's log for why` };
    }
    return this.#health.now();
  }

  #assertOpen(): void {
    if (this.#closed) throw storeClosed();
  }
}

