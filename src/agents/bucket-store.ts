import type { Clock } from "../actors/index.js";
import { adjustTokens, fullLevel, take, type BucketCost, type BucketLevel, type BucketLimit, type BucketWait } from "./token-bucket.js";

/** Where buckets live: in this process (`LocalBuckets`), or shared by every node of a cluster (src/cluster). */
export interface BucketStore {
  /** Takes `cost` from bucket `key` when it holds it now (`taken`), else says how long to wait. */
  take(key: string, limit: BucketLimit, cost: BucketCost): Promise<"taken" | BucketWait>;
  /** After a call: `tokens` more spent than reserved (negative: fewer). */
  adjust(key: string, limit: BucketLimit, tokens: number): void;
  /** Tells every other holder of the buckets that `endpoint` asked for a pause until `untilMs`. */
  announcePenalty(endpoint: string, untilMs: number): void;
  /** Calls `listener` with every penalty another holder announced. */
  onPenalty(listener: (endpoint: string, untilMs: number) => void): void;
  close(): void;
}

/** Buckets of one process: a standalone node's limits (and a cluster node's share while NATS is away). */
export class LocalBuckets implements BucketStore {
  readonly #levels = new Map<string, BucketLevel>();
  readonly #clock: Pick<Clock, "now">;
  readonly #startLevel: (limit: BucketLimit, now: number) => BucketLevel;

  constructor(clock: Pick<Clock, "now">, startLevel: (limit: BucketLimit, now: number) => BucketLevel = fullLevel) {
    this.#clock = clock;
    this.#startLevel = startLevel;
  }

  async take(key: string, limit: BucketLimit, cost: BucketCost): Promise<"taken" | BucketWait> {
    return this.takeNow(key, limit, cost);
  }

  takeNow(key: string, limit: BucketLimit, cost: BucketCost): "taken" | BucketWait {
    const now = this.#clock.now();
    let level = this.#levels.get(key);
    // Kept from first sight, so a bucket that starts empty fills while its first caller waits.
    if (level === undefined) this.#levels.set(key, (level = this.#startLevel(limit, now)));
    const result = take(level, limit, cost, now);
    if (!("taken" in result)) return result;
    this.#levels.set(key, result.taken);
    return "taken";
  }

  adjust(key: string, limit: BucketLimit, tokens: number): void {
    const level = this.#levels.get(key);
    if (level !== undefined) this.#levels.set(key, adjustTokens(level, limit, tokens, this.#clock.now()));
  }

  /** Forgets every bucket: the next take starts over as the start level says. */
  reset(): void {
    this.#levels.clear();
  }

  announcePenalty(): void {}

  onPenalty(): void {}

  close(): void {}
}
