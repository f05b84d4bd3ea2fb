import { systemClock, type Clock } from "../actors/index.js";
import { normalEndpoint, type ModelLimit } from "../config/index.js";
import { LocalBuckets, type BucketStore } from "./bucket-store.js";
import { cancellableWait, cancelledError } from "./cancellable-wait.js";
import type { ModelRateLimiter, RateLimitReason, Reservation, ReserveRequest } from "./model-rate-limiter.js";
import { bucketLimitOf, type BucketCost, type BucketLimit } from "./token-bucket.js";

/** One operator limit, ready to take from: its bucket's key, what it matches, and its metric label. */
interface LimitRule {
  key: string;
  endpoint: string;
  model: string | undefined;
  limit: BucketLimit;
  /** The endpoint as the operator wrote it: the only endpoint label metrics carry. */
  label: string;
}

/** Waits on endpoints no limit names are labelled this (a caller's URL never becomes a label). */
const OTHER_ENDPOINT = "other";

/** The bucket of a limit: one per endpoint and model (`*`: all its models). */
export function limitKey(endpoint: string, model: string | undefined): string {
  return `${normalEndpoint(endpoint)} ${model ?? "*"}`;
}

function rulesOf(limits: readonly ModelLimit[]): LimitRule[] {
  return limits.map((l) => ({ key: limitKey(l.endpoint, l.model), endpoint: normalEndpoint(l.endpoint), model: l.model, limit: bucketLimitOf(l), label: l.endpoint }));
}

/**
 * The model rate limiter over any bucket store: a call waits, in arrival order per bucket on this node, until every
 * limit of its endpoint and model holds its share and no provider pause is in force; cancellation ends the wait.
 */
export class BucketRateLimiter implements ModelRateLimiter {
  readonly #rules: readonly LimitRule[];
  readonly #store: BucketStore;
  readonly #clock: Clock;
  /** Endpoint -> epoch ms until which a provider asked for a pause. */
  readonly #pauses = new Map<string, number>();
  readonly #turns = new Map<string, Promise<void>>();
  readonly #waited = new Map<string, number>();

  constructor(limits: readonly ModelLimit[], store: BucketStore, clock: Clock = systemClock) {
    this.#rules = rulesOf(limits);
    this.#store = store;
    this.#clock = clock;
    store.onPenalty((endpoint, untilMs) => this.#pause(endpoint, untilMs));
  }

  async reserve(request: ReserveRequest): Promise<Reservation> {
    const endpoint = normalEndpoint(request.endpoint);
    const rules = this.#rules.filter((r) => r.endpoint === endpoint && (r.model === undefined || r.model === request.model));
    const started = this.#clock.now();
    let told = false;
    const wait = (ms: number, reason: RateLimitReason) => {
      if (!told) request.onWait?.({ endpoint: request.endpoint, model: request.model, waitMs: ms, reason });
      told = true;
      return cancellableWait(ms, request.signal, this.#clock);
    };
    // An estimate is capped at a bucket's capacity: a huge max_tokens must not put the bucket in debt before the call
    // says what it used (then its real tokens are charged, however many).
    const costs = rules.map((rule) => ({ requests: 1, tokens: Math.min(request.estimatedTokens, rule.limit.tokenCapacity ?? request.estimatedTokens) }));
    await this.#pauseOver(endpoint, wait);
    for (const [i, rule] of rules.entries()) await this.#inTurn(rule.key, () => this.#takeFrom(rule, costs[i]!, endpoint, wait), request.signal);
    // Only a reservation that had to wait counts its time (taking a free share takes a moment too).
    const waitedMs = told ? this.#clock.now() - started : 0;
    if (waitedMs > 0) {
      const label = rules[0]?.label ?? OTHER_ENDPOINT;
      this.#waited.set(label, (this.#waited.get(label) ?? 0) + waitedMs / 1000);
    }
    let settled = false;
    return {
      waitedMs,
      settle: (actualTokens) => {
        if (settled || actualTokens === undefined) return;
        settled = true;
        for (const [i, rule] of rules.entries()) {
          const extra = actualTokens - costs[i]!.tokens;
          if (extra !== 0 && rule.limit.tokensPerMs !== undefined) this.#store.adjust(rule.key, rule.limit, extra);
        }
      },
    };
  }

  penalise(endpoint: string, retryAfterMs: number): void {
    const until = this.#clock.now() + Math.max(0, retryAfterMs);
    this.#pause(normalEndpoint(endpoint), until);
    this.#store.announcePenalty(normalEndpoint(endpoint), until);
  }

  waitedSeconds(): ReadonlyMap<string, number> {
    return this.#waited;
  }

  close(): void {
    this.#store.close();
  }

  #pause(endpoint: string, untilMs: number): void {
    if (untilMs > (this.#pauses.get(endpoint) ?? 0)) this.#pauses.set(endpoint, untilMs);
  }

  async #pauseOver(endpoint: string, wait: (ms: number, reason: RateLimitReason) => Promise<void>): Promise<void> {
    for (let until = this.#pauses.get(endpoint) ?? 0; until > this.#clock.now(); until = this.#pauses.get(endpoint) ?? 0) await wait(until - this.#clock.now(), "provider");
  }

  async #takeFrom(rule: LimitRule, cost: BucketCost, endpoint: string, wait: (ms: number, reason: RateLimitReason) => Promise<void>): Promise<void> {
    for (;;) {
      await this.#pauseOver(endpoint, wait);
      const result = await this.#store.take(rule.key, rule.limit, cost);
      if (result === "taken") return;
      await wait(result.waitMs, result.reason);
    }
  }

  /** Runs `work` after the earlier reservations of bucket `key` on this node (first come, first served); a cancelled caller leaves the line at once. */
  #inTurn(key: string, work: () => Promise<void>, signal: AbortSignal): Promise<void> {
    const before = this.#turns.get(key) ?? Promise.resolve();
    const mine = before.then(() => (signal.aborted ? Promise.reject(cancelledError(signal)) : work()));
    const done = mine.then(
      () => undefined,
      () => undefined,
    );
    this.#turns.set(key, done);
    void done.then(() => {
      if (this.#turns.get(key) === done) this.#turns.delete(key);
    });
    return new Promise((resolve, reject) => {
      const onAbort = () => reject(cancelledError(signal));
      if (signal.aborted) return onAbort();
      signal.addEventListener("abort", onAbort, { once: true });
      mine.then(resolve, reject).finally(() => signal.removeEventListener("abort", onAbort));
    });
  }
}

/** A standalone node's limiter: its buckets in this process, full at start. */
export function localModelRateLimiter(limits: readonly ModelLimit[], clock: Clock = systemClock): BucketRateLimiter {
  return new BucketRateLimiter(limits, new LocalBuckets(clock), clock);
}
