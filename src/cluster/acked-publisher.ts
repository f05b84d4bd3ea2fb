import { JetStreamApiError, type ApiError } from "@nats-io/jetstream";
import { createInbox, headers, NoRespondersError, TimeoutError, type Msg, type NatsConnection, type Subscription } from "@nats-io/transport-node";

/** What JetStream answered a publish: the stream sequence the message got. */
export interface PublishAck {
  seq: number;
  duplicate: boolean;
}

export interface AckedPublishOptions {
  /** `Nats-Msg-Id`: a resend within the stream's duplicate window is not stored twice. */
  msgId?: string;
  /** `Nats-Expected-Last-Subject-Sequence`: refused when the subject moved on since (0: it must hold nothing). */
  lastSubjectSeq?: number;
}

interface Waiting {
  subject: string;
  deadline: number;
  resolve(ack: PublishAck): void;
  reject(error: Error): void;
}

/** How long an acknowledgement may take before the write is taken as failed (and sent again by its caller): js.publish's default. */
const ACK_TIMEOUT_MS = 5000;
const decoder = new TextDecoder();

/**
 * Publishes to JetStream streams and resolves with their acknowledgements, all received on one wildcard inbox
 * subscription with its own correlation and one timer for every deadline. The store writes this way instead of one
 * `nc.request` per write, which builds a timer, a reply mux entry and an Error per request (most of a node's NATS
 * client CPU under load).
 */
export class AckedPublisher {
  readonly #nc: NatsConnection;
  readonly #inbox: string;
  readonly #sub: Subscription;
  readonly #waiting = new Map<number, Waiting>();
  readonly #sweep: NodeJS.Timeout;
  #next = 0;
  #closed = false;

  constructor(
    nc: NatsConnection,
    private readonly timeoutMs = ACK_TIMEOUT_MS,
  ) {
    this.#nc = nc;
    this.#inbox = `${createInbox()}.`;
    this.#sub = nc.subscribe(`${this.#inbox}*`, { callback: (_error, msg) => this.#answered(msg) });
    this.#sweep = setInterval(() => this.#expire(Date.now()), Math.min(500, timeoutMs)).unref();
  }

  publish(subject: string, data: Uint8Array, options: AckedPublishOptions = {}): Promise<PublishAck> {
    if (this.#closed) return Promise.reject(new Error(`the cluster store is closed: nothing more is written to ${subject}`));
    const id = ++this.#next;
    const h = headers();
    if (options.msgId !== undefined) h.set("Nats-Msg-Id", options.msgId);
    if (options.lastSubjectSeq !== undefined) h.set("Nats-Expected-Last-Subject-Sequence", `${options.lastSubjectSeq}`);
    return new Promise<PublishAck>((resolve, reject) => {
      this.#waiting.set(id, { subject, deadline: Date.now() + this.timeoutMs, resolve, reject });
      try {
        this.#nc.publish(subject, data, { reply: `${this.#inbox}${id}`, headers: h });
      } catch (error) {
        this.#waiting.delete(id);
        reject(error as Error);
      }
    });
  }

  #answered(msg: Msg): void {
    const id = Number(msg.subject.slice(this.#inbox.length));
    const waiting = this.#waiting.get(id);
    if (waiting === undefined) return;
    this.#waiting.delete(id);
    // No stream takes the subject (JetStream away, or the stream no longer binds it): the server answers 503 at once.
    if (msg.data.length === 0 && msg.headers?.code === 503) return waiting.reject(new NoRespondersError(waiting.subject));
    let answer: { seq?: number; duplicate?: boolean; error?: ApiError };
    try {
      answer = JSON.parse(decoder.decode(msg.data)) as typeof answer;
    } catch (error) {
      return waiting.reject(error as Error);
    }
    if (answer.error !== undefined) return waiting.reject(new JetStreamApiError(answer.error));
    if (typeof answer.seq !== "number") return waiting.reject(new Error(`JetStream answered a publish to ${waiting.subject} without a sequence`));
    waiting.resolve({ seq: answer.seq, duplicate: answer.duplicate === true });
  }

  /** Ids grow with time and every write has the same timeout: the oldest waiting are first in the map. */
  #expire(nowMs: number): void {
    for (const [id, waiting] of this.#waiting) {
      if (waiting.deadline > nowMs) return;
      this.#waiting.delete(id);
      waiting.reject(new TimeoutError());
    }
  }

  /** Whatever still waits fails now (the store is closing): nothing is answered any more. */
  close(): void {
    this.#closed = true;
    clearInterval(this.#sweep);
    this.#expire(Infinity);
    this.#sub.unsubscribe();
  }
}
