import { createInbox, type Msg, type NatsConnection, type Subscription } from "@nats-io/transport-node";
import type { TurnEnd } from "./turn-end.js";

interface Waiting {
  resolve: () => void;
  reject: (error: Error) => void;
  sentMs: number;
}

/**
 * JetStream publishes (a KV put is one, on `$KV.<bucket>.<key>`) sent at the end of the event loop's turn with whatever
 * else the node sends then (a placed step's outcome goes in the write that carries its end to the supervisor, after
 * it), their acks heard on one subscription: no request object, timer or error made per put, as nats.js's request
 * makes. A put is settled by its ack, refused by JetStream's error or its absence (no responders), or timed out.
 */
export class AckedPuts {
  readonly #inbox = createInbox();
  readonly #waiting = new Map<string, Waiting>();
  readonly #subscription: Subscription;
  #next = 0;
  #timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly nc: NatsConnection,
    private readonly turnEnd: TurnEnd,
    private readonly timeoutMs: number,
  ) {
    this.#subscription = nc.subscribe(`${this.#inbox}.*`, { callback: (_error, msg) => this.#acked(msg) });
  }

  /** Resolves once JetStream has stored `data` on `subject`. */
  put(subject: string, data: Uint8Array): Promise<void> {
    return new Promise((resolve, reject) => {
      this.turnEnd.later(() => {
        const id = String(++this.#next);
        try {
          this.nc.publish(subject, data, { reply: `${this.#inbox}.${id}` });
        } catch (error) {
          return reject(error as Error);
        }
        this.#waiting.set(id, { resolve, reject, sentMs: Date.now() });
        this.#timer ??= setInterval(() => this.#expire(), Math.max(50, this.timeoutMs / 4)).unref();
      });
    });
  }

  close(): void {
    this.#subscription.unsubscribe();
    this.#expire(true);
  }

  #acked(msg: Msg): void {
    const id = msg.subject.slice(this.#inbox.length + 1);
    const waiting = this.#waiting.get(id);
    if (waiting === undefined) return;
    this.#waiting.delete(id);
    if (msg.data.length === 0) return waiting.reject(new Error(`JetStream did not take the put (status ${msg.headers?.code ?? "none"})`));
    let ack: { seq?: unknown; error?: { description?: string } } | undefined;
    try {
      ack = msg.json();
    } catch {
      ack = undefined;
    }
    if (typeof ack?.seq === "number" && ack.error === undefined) waiting.resolve();
    else waiting.reject(new Error(`JetStream refused the put: ${ack?.error?.description ?? "no ack"}`));
  }

  /** Puts waiting longer than the timeout (all of them, on close) fail; their caller retries. */
  #expire(all = false): void {
    const now = Date.now();
    for (const [id, waiting] of this.#waiting) {
      if (!all && now - waiting.sentMs < this.timeoutMs) continue;
      this.#waiting.delete(id);
      waiting.reject(new Error(`no ack from JetStream within ${this.timeoutMs} ms`));
    }
    if (this.#waiting.size === 0 && this.#timer !== undefined) {
      clearInterval(this.#timer);
      this.#timer = undefined;
    }
  }
}
