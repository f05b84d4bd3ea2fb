import { AgentError, cancelledError, type ModelRateLimiter, type RateLimitWait, type Reservation, type ReserveRequest } from "../../agents/index.js";
import type { LimitReply, ToParent } from "./protocol.js";

interface Pending {
  resolve(waitedMs: number): void;
  reject(error: unknown): void;
  onWait: ((wait: RateLimitWait) => void) | undefined;
}

/**
 * The rate limiter of an isolated process's agents: every reservation is the node's own, made by the parent on the
 * node's limiter (so the process shares the node's and the cluster's limits), and answered over IPC.
 */
export class ParentRateLimiter implements ModelRateLimiter {
  readonly #send: (message: ToParent) => void;
  readonly #pending = new Map<number, Pending>();
  #nextId = 1;

  constructor(send: (message: ToParent) => void) {
    this.#send = send;
  }

  reserve(request: ReserveRequest): Promise<Reservation> {
    const { signal } = request;
    if (signal.aborted) return Promise.reject(cancelledError(signal));
    const id = this.#nextId++;
    return new Promise((resolve, reject) => {
      const onAbort = () => {
        this.#pending.delete(id);
        this.#send({ t: "limit_cancel", id });
        reject(cancelledError(signal));
      };
      signal.addEventListener("abort", onAbort, { once: true });
      const done = () => signal.removeEventListener("abort", onAbort);
      const granted = (waitedMs: number) => resolve({ waitedMs, settle: (actualTokens) => this.#send({ t: "limit_settle", id, actualTokens }) });
      this.#pending.set(id, { resolve: (ms) => (done(), granted(ms)), reject: (error) => (done(), reject(error)), onWait: request.onWait });
      this.#send({ t: "limit_reserve", id, endpoint: request.endpoint, model: request.model, estimatedTokens: request.estimatedTokens });
    });
  }

  /** The parent's answer to a reservation; one for a reservation cancelled meanwhile is dropped. */
  answered(reply: LimitReply): void {
    const pending = this.#pending.get(reply.id);
    if (pending === undefined) return;
    if (reply.t === "limit_wait") return pending.onWait?.(reply.wait);
    this.#pending.delete(reply.id);
    if (reply.ok) pending.resolve(reply.waitedMs);
    else pending.reject(new AgentError(reply.error.code as `WFX_${string}`, reply.error.message, reply.error.hint === undefined ? {} : { hint: reply.error.hint }));
  }

  penalise(endpoint: string, retryAfterMs: number): void {
    this.#send({ t: "limit_penalise", endpoint, retryAfterMs });
  }

  /** The parent counts the waits, in the node's metrics. */
  waitedSeconds(): ReadonlyMap<string, number> {
    return new Map();
  }

  close(): void {}
}
