import { AckPolicy, DiscardPolicy, jetstream, jetstreamManager, RetentionPolicy, StorageType, type JetStreamClient, type JetStreamManager } from "@nats-io/jetstream";
import { createInbox, type Msg, type NatsConnection } from "@nats-io/transport-node";
import { QUEUE_OFFERS } from "./subjects.js";
import type { SealedStoreValues } from "./trust/sealed-store-values.js";

const TIMEOUT_MS = 2000;
/** A taker that died holding an offer gives it back after this long. */
const ACK_WAIT_MS = 30_000;
/** An offer nobody took in a day is dropped (its holder starts it itself meanwhile, or offers it again after a restart). */
const KEEP_MS = 24 * 3600_000;
const MAX_OFFERS = 1_000_000;
const encoder = new TextEncoder();

/** A queued execution a node without room offers to the nodes its placement fits: which, and who holds it. */
export interface QueueOffer {
  executionId: string;
  node: string;
  /** Taken, or no longer waiting: gone from the stream. */
  done(): void;
  /** Still waiting where it is, but not for this node now: offered again after `delayMs`. */
  later(delayMs: number): void;
}

/** A subject holding offers: the tags every node taking them must carry, their priority, and how many wait. */
export interface OfferPool {
  subject: string;
  tags: readonly string[];
  priority: number;
  count: number;
}

/** A pool's subject token: its tags sorted, joined by '+' ('.' as '~': tags never hold '+' or '~'); '+' alone when none. */
function poolToken(tags: readonly string[]): string {
  return tags.length === 0 ? "+" : [...new Set(tags)].sort().map((t) => t.replaceAll(".", "~")).join("+");
}

export function offerSubject(tags: readonly string[], priority: number): string {
  return `${QUEUE_OFFERS.prefix}.${poolToken(tags)}.${priority}`;
}

function poolOf(subject: string): { tags: string[]; priority: number } | undefined {
  const [token, priority] = subject.slice(QUEUE_OFFERS.prefix.length + 1).split(".");
  if (token === undefined || priority === undefined || !/^\d$/.test(priority)) return undefined;
  return { tags: token === "+" ? [] : token.split("+").map((t) => t.replaceAll("~", ".")), priority: Number(priority) };
}

/** One consumer per subject, shared by every node taking from it (a work queue: an offer goes to one of them). */
function consumerName(subject: string): string {
  return `offers_${subject.slice(QUEUE_OFFERS.prefix.length + 1).replace(".", "_p")}`;
}

/**
 * The cluster's board of queued work, on a JetStream work-queue stream: a node whose line holds executions it has no
 * room for posts each on the subject of the tags its placement needs and its priority; a node with room pulls from
 * the subjects its tags cover, highest priority first, oldest first. Dispatch then costs a pull per taken execution
 * and reads no view of every record. Offers are signed (a forged one is dropped and counted); one is only a hint: the
 * taker still asks its holder to let the execution go.
 */
export class QueueOffers {
  readonly #nc: NatsConnection;
  readonly #values: SealedStoreValues;
  readonly #replicas: number;
  #ready: Promise<{ js: JetStreamClient; jsm: JetStreamManager }> | undefined;
  readonly #consumers = new Map<string, Promise<void>>();

  constructor(nc: NatsConnection, values: SealedStoreValues, replicas: number) {
    this.#nc = nc;
    this.#values = values;
    this.#replicas = replicas;
  }

  /** Posts a queued execution held by `node` for nodes carrying `tags`; resolves with the offer's place on the board. */
  async post(executionId: string, node: string, tags: readonly string[], priority: number): Promise<number> {
    const subject = offerSubject(tags, priority);
    try {
      const { js } = await this.#stream();
      await this.#consumer(subject);
      return (await js.publish(subject, this.#values.signed(subject, JSON.stringify({ execution_id: executionId, node })), { timeout: TIMEOUT_MS })).seq;
    } catch (error) {
      // Made again on the next post: the stream or a consumer may have been lost (deleted, a NATS cluster's store reset).
      this.#ready = undefined;
      this.#consumers.clear();
      throw error;
    }
  }

  /** Takes an offer off the board (its execution started where it waited, or ended): takers never pull it stale. */
  async withdraw(seq: number): Promise<void> {
    // One left behind (NATS away) is only stale: a taker finds it no longer waits and drops it.
    await this.#stream()
      .then(({ jsm }) => jsm.streams.deleteMessage(QUEUE_OFFERS.stream, seq, false))
      .catch(() => undefined);
  }

  /** The subjects holding offers now (one request, answered from the stream's state). */
  async pools(): Promise<OfferPool[]> {
    const { jsm } = await this.#stream();
    const info = await jsm.streams.info(QUEUE_OFFERS.stream, { subjects_filter: `${QUEUE_OFFERS.prefix}.>` });
    const pools: OfferPool[] = [];
    for (const [subject, count] of Object.entries(info.state.subjects ?? {})) {
      const pool = poolOf(subject);
      if (pool !== undefined && count > 0) pools.push({ subject, ...pool, count });
    }
    return pools;
  }

  /** The oldest offer on `subject` no other node holds, without waiting; undefined when none. A forged one is dropped here. */
  async next(subject: string): Promise<QueueOffer | undefined> {
    await this.#consumer(subject);
    const pull = `$JS.API.CONSUMER.MSG.NEXT.${QUEUE_OFFERS.stream}.${consumerName(subject)}`;
    for (;;) {
      const msg = await this.#pullOne(pull);
      // A status (404 no messages, 408 request expired) rather than an offer.
      if ((msg.headers?.code ?? 0) >= 300 || msg.reply === undefined) return undefined;
      const ack = (body: string) => this.#nc.publish(msg.reply!, encoder.encode(body));
      let offer: Record<string, unknown>;
      try {
        offer = this.#values.signedOf(msg.subject, msg.data, "queue offer");
      } catch {
        ack("+TERM");
        continue;
      }
      if (typeof offer["execution_id"] !== "string" || typeof offer["node"] !== "string") {
        ack("+TERM");
        continue;
      }
      return {
        executionId: offer["execution_id"],
        node: offer["node"],
        done: () => ack("+ACK"),
        later: (delayMs) => ack(`-NAK ${JSON.stringify({ delay: delayMs * 1_000_000 })}`),
      };
    }
  }

  /** One pull request answered on an inbox of its own (a delivered message keeps its stream subject, so a request's shared inbox would miss it). */
  async #pullOne(pull: string): Promise<Msg> {
    const inbox = createInbox();
    const sub = this.#nc.subscribe(inbox, { max: 1, timeout: TIMEOUT_MS });
    this.#nc.publish(pull, encoder.encode(JSON.stringify({ batch: 1, no_wait: true })), { reply: inbox });
    for await (const msg of sub) return msg;
    throw new Error(`no answer to a pull from ${pull}`);
  }

  #stream(): Promise<{ js: JetStreamClient; jsm: JetStreamManager }> {
    this.#ready ??= (async () => {
      const jsm = await jetstreamManager(this.#nc, { timeout: TIMEOUT_MS });
      const config = { name: QUEUE_OFFERS.stream, subjects: [`${QUEUE_OFFERS.prefix}.>`], retention: RetentionPolicy.Workqueue, storage: StorageType.File, num_replicas: this.#replicas, max_age: KEEP_MS * 1_000_000, max_msgs: MAX_OFFERS, discard: DiscardPolicy.Old };
      await jsm.streams.info(config.name).catch(() => jsm.streams.add(config));
      return { js: jetstream(this.#nc, { timeout: TIMEOUT_MS }), jsm };
    })().catch((error: unknown) => {
      this.#ready = undefined;
      throw error;
    });
    return this.#ready;
  }

  /** The subject's shared consumer, made once per process (adding one that exists with the same settings is a no-op). */
  #consumer(subject: string): Promise<void> {
    let made = this.#consumers.get(subject);
    if (made === undefined) {
      made = this.#stream()
        .then(({ jsm }) => jsm.consumers.add(QUEUE_OFFERS.stream, { durable_name: consumerName(subject), filter_subject: subject, ack_policy: AckPolicy.Explicit, ack_wait: ACK_WAIT_MS * 1_000_000, max_deliver: -1 }))
        .then(() => undefined);
      made.catch(() => this.#consumers.delete(subject));
      this.#consumers.set(subject, made);
    }
    return made;
  }
}
