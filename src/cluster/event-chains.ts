import { randomUUID } from "node:crypto";
import type { JetStreamManager } from "@nats-io/jetstream";
import type { AckedPublisher } from "./acked-publisher.js";
import { isWrongLastSequence } from "./conditional-writes.js";
import { TERMINAL_EVENT_TYPES, type ExecutionEvent } from "../engine/index.js";
import type { Logger } from "../observability/index.js";
import { CLUSTER_STORE, eventSubject } from "./subjects.js";
import type { WriteHealth } from "./write-health.js";

/** What a chain needs of an event: whose it is, where in the log, and whether it ends the execution. */
export type EventHead = Pick<ExecutionEvent, "execution_id" | "seq" | "type">;

export interface EventChainDeps {
  publisher: AckedPublisher;
  jsm: JetStreamManager;
  /** One stream message for a run of one execution's events. */
  encode(subject: string, jsons: readonly string[], events: readonly EventHead[]): Uint8Array;
  /** The most one message may take (the server's max_payload less room for headers). */
  maxBytes(): number;
  /** An event reached JetStream. */
  landed(event: EventHead): void;
  /** Another process owns the execution now: nothing more of it is written from here. */
  fenced(executionId: string, reason: string): void;
  track(write: Promise<unknown>): void;
  /** Told which executions' appends fail now and which went through: the node's readiness. */
  health: WriteHealth;
  /** The store closed: nothing is sent again. */
  closed(): boolean;
  logger: Logger;
}

interface Chain {
  /** The stream sequence of this execution's last message as this process wrote or read it; undefined: not known yet. */
  lastSubjectSeq: number | undefined;
  queue: { event: EventHead; json: string }[];
  sending: boolean;
  fenced: boolean;
  failures: number;
}

/** Retries of a failed append back off to this (NATS away: the client buffers, JetStream may not answer meanwhile). */
const MAX_BACKOFF_MS = 5000;

/**
 * The event log of each execution this process writes, as a chain of appends each conditional on the last one
 * (JetStream's expected last sequence for the execution's subject): a process that lost an execution to an adopter
 * fails its next append, is fenced, and never writes that execution again. One append is in flight per execution; what
 * is appended meanwhile goes in the next message together (group commit), so the chain costs round trips per burst,
 * not per event.
 */
export class EventChains {
  readonly #chains = new Map<string, Chain>();
  /** Ends every message id this process writes: a message of ours found where a resend expected to go is not an adopter's. */
  readonly #writer = randomUUID().slice(0, 8);

  constructor(readonly deps: EventChainDeps) {}

  /** Queued for the execution's next message, sent by `pump` (the store's write window calls it once per turn). */
  append(event: EventHead, json: string): void {
    const chain = this.#chainOf(event.execution_id);
    if (chain.fenced) return;
    chain.queue.push({ event, json });
  }

  /** Nothing more of this execution is appended from here (its record was taken over). */
  fence(executionId: string): void {
    const chain = this.#chainOf(executionId);
    chain.fenced = true;
    chain.queue = [];
  }

  /** The execution's chain starts afresh (this process adopts it again): its first append reads where the log is. */
  forget(executionId: string): void {
    this.#chains.delete(executionId);
  }

  isFenced(executionId: string): boolean {
    return this.#chains.get(executionId)?.fenced === true;
  }

  /** Everything queued, sent once the store is open. */
  pumpAll(): void {
    for (const id of this.#chains.keys()) this.pump(id);
  }

  pump(executionId: string): void {
    const chain = this.#chains.get(executionId);
    if (chain === undefined || chain.sending || chain.fenced || chain.queue.length === 0) return;
    chain.sending = true;
    this.deps.track(this.#send(executionId, chain));
  }

  #chainOf(executionId: string): Chain {
    let chain = this.#chains.get(executionId);
    if (chain === undefined) this.#chains.set(executionId, (chain = { lastSubjectSeq: undefined, queue: [], sending: false, fenced: false, failures: 0 }));
    return chain;
  }

  async #send(executionId: string, chain: Chain): Promise<void> {
    const subject = eventSubject(executionId);
    const batch = this.#nextBatch(subject, chain);
    if (batch.length === 0) {
      chain.sending = false;
      return;
    }
    try {
      // An execution's first event starts its subject; a later first write here (an adopter's, a restart's) reads where the log is.
      chain.lastSubjectSeq ??= batch[0]!.event.seq === 1 ? 0 : await this.#lastSeqOf(subject);
      const events = batch.map((b) => b.event);
      const data = this.deps.encode(subject, batch.map((b) => b.json), events);
      const ack = await this.deps.publisher.publish(subject, data, { msgId: `${executionId}:${events[0]!.seq}-${events.at(-1)!.seq}:${this.#writer}`, lastSubjectSeq: chain.lastSubjectSeq });
      chain.lastSubjectSeq = ack.seq;
      chain.failures = 0;
      this.deps.health.settled(`events ${executionId}`);
      chain.queue.splice(0, batch.length);
      for (const event of events) this.deps.landed(event);
      chain.sending = false;
      if (chain.queue.length > 0) this.pump(executionId);
      else if (TERMINAL_EVENT_TYPES.has(events.at(-1)!.type) && this.#chains.get(executionId) === chain) this.#chains.delete(executionId);
    } catch (error) {
      chain.sending = false;
      if (isWrongLastSequence(error) && chain.failures > 0 && (await this.#ownLanded(executionId, subject, chain).catch(() => false))) return this.pump(executionId);
      if (isWrongLastSequence(error)) {
        this.deps.health.settled(`events ${executionId}`);
        chain.fenced = true;
        chain.queue = [];
        this.deps.fenced(executionId, "its event log moved on without this process (another node adopted it)");
        return;
      }
      this.#retryLater(executionId, chain, error);
    }
  }

  /** As many queued events as fit one message; one that cannot fit even alone is dropped, loudly, never retried. */
  #nextBatch(subject: string, chain: Chain): Chain["queue"] {
    const max = this.deps.maxBytes();
    let bytes = 64;
    let count = 0;
    for (const item of chain.queue) {
      bytes += item.json.length + 1;
      if (bytes > max && count > 0) break;
      count++;
    }
    const batch = chain.queue.slice(0, count);
    if (count === 1 && bytes > max) {
      this.deps.logger.error({ execution_id: batch[0]!.event.execution_id, seq: batch[0]!.event.seq, type: batch[0]!.event.type, bytes, max }, `an execution event is larger than a NATS message may be (${subject}); it is not stored`);
      // Given up on: what waits for it to land (the execution's final record) goes on without it.
      this.deps.landed(chain.queue.shift()!.event);
      return this.#nextBatch(subject, chain);
    }
    return batch;
  }

  /**
   * After an append whose answer was lost (NATS restarting), the log may have moved on by that very append: when its
   * last message is this process's own, the events it holds are taken as landed and the chain goes on after it.
   */
  async #ownLanded(executionId: string, subject: string, chain: Chain): Promise<boolean> {
    const last = await this.deps.jsm.streams.getMessage(CLUSTER_STORE.events, { last_by_subj: subject });
    const id = last?.header?.get("Nats-Msg-Id") ?? "";
    const [prefix, suffix] = [`${executionId}:`, `:${this.#writer}`];
    if (last === null || !id.startsWith(prefix) || !id.endsWith(suffix)) return false;
    const through = Number(id.slice(prefix.length, -suffix.length).split("-")[1]);
    if (!Number.isInteger(through)) return false;
    const landed = chain.queue.filter((item) => item.event.seq <= through);
    chain.queue = chain.queue.filter((item) => item.event.seq > through);
    for (const item of landed) this.deps.landed(item.event);
    chain.lastSubjectSeq = last.seq;
    chain.failures = 0;
    this.deps.health.settled(`events ${executionId}`);
    if (chain.queue.length === 0 && landed.some((item) => TERMINAL_EVENT_TYPES.has(item.event.type)) && this.#chains.get(executionId) === chain) this.#chains.delete(executionId);
    this.deps.logger.info({ execution_id: executionId, through }, "an append whose answer was lost had landed; going on after it");
    return true;
  }

  async #lastSeqOf(subject: string): Promise<number> {
    const last = await this.deps.jsm.streams.getMessage(CLUSTER_STORE.events, { last_by_subj: subject });
    return last?.seq ?? 0;
  }

  #retryLater(executionId: string, chain: Chain, error: unknown): void {
    if (this.deps.closed()) return;
    this.deps.health.failed(`events ${executionId}`, error);
    chain.failures++;
    const delay = Math.min(MAX_BACKOFF_MS, 250 * 2 ** (chain.failures - 1)) * (0.8 + Math.random() * 0.4);
    if (chain.failures === 1 || chain.failures % 10 === 0) this.deps.logger.warn({ err: error, execution_id: executionId, failures: chain.failures, retry_in_ms: Math.round(delay) }, "appending execution events to JetStream failed; sending them again");
    this.deps.track(new Promise((resolve) => setTimeout(resolve, delay)).then(() => this.pump(executionId)));
  }
}
