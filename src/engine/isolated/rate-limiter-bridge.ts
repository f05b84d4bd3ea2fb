import type { ChildProcess } from "node:child_process";
import type { ModelRateLimiter, Reservation } from "../../agents/index.js";
import { toErrorInfo } from "../../errors.js";
import type { LimitNotice, LimitReply, LimitReserve } from "./protocol.js";

/**
 * The parent's side of ParentRateLimiter: reserves on the node's limiter for the model calls of an isolated process,
 * and settles them as the process reports their usage. `abortAll` (the process ended) gives up its waits.
 */
export class RateLimiterBridge {
  readonly #child: ChildProcess;
  readonly #limiter: ModelRateLimiter;
  readonly #waiting = new Map<number, AbortController>();
  readonly #granted = new Map<number, Reservation>();

  constructor(child: ChildProcess, limiter: ModelRateLimiter) {
    this.#child = child;
    this.#limiter = limiter;
  }

  handle(message: LimitReserve | LimitNotice): void {
    if (message.t === "limit_penalise") return this.#limiter.penalise(message.endpoint, message.retryAfterMs);
    if (message.t === "limit_cancel") return this.#waiting.get(message.id)?.abort(new Error("the model call in the isolated process was cancelled"));
    if (message.t === "limit_settle") {
      this.#granted.get(message.id)?.settle(message.actualTokens);
      this.#granted.delete(message.id);
      return;
    }
    const { id } = message;
    const controller = new AbortController();
    this.#waiting.set(id, controller);
    this.#limiter
      .reserve({ endpoint: message.endpoint, model: message.model, estimatedTokens: message.estimatedTokens, signal: controller.signal, onWait: (wait) => this.#send({ t: "limit_wait", id, wait }) })
      .then(
        (reservation) => {
          this.#granted.set(id, reservation);
          this.#send({ t: "limit_reply", id, ok: true, waitedMs: reservation.waitedMs });
        },
        (error: unknown) => this.#send({ t: "limit_reply", id, ok: false, error: toErrorInfo(error) }),
      )
      .finally(() => this.#waiting.delete(id));
  }

  abortAll(): void {
    for (const controller of this.#waiting.values()) controller.abort(new Error("the isolated process ended"));
    this.#waiting.clear();
    this.#granted.clear();
  }

  #send(reply: LimitReply): void {
    if (this.#child.connected) this.#child.send(reply);
  }
}
