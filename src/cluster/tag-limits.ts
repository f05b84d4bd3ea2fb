import type { Logger } from "../observability/index.js";
import { LeaseSemaphore, type Place, type PlaceState } from "./lease-semaphore.js";
import { tagKeyOf, type LeaseStore } from "./lease-store.js";

/** Where a step waiting under a limit stands: a place on every limited tag it asks for, or why not yet. */
export type TagLimitState = PlaceState;

/** What the placed-step stand-in asks of the cluster's tag limits. */
export interface TagLimiter {
  /** The tags among `tags` that are limited, sorted: the order places are taken in (so two steps never wait on each other). */
  limitedOf(tags: readonly string[]): string[];
  /** Asks for a place under each of `tags` (limited ones, sorted); `onChange` hears every change until the returned release is called. */
  acquire(tags: readonly string[], ask: { priority: number; step: string }, onChange: (state: TagLimitState) => void): () => void;
}

export interface TagLimitsOptions {
  /** Tag -> how many steps asking for it may run at once in the whole cluster (this node's setting). */
  limits: Readonly<Record<string, number>>;
  node: string;
  instance: string;
  leaseMs: number;
  store: Promise<LeaseStore>;
  logger: Logger;
  now?: () => number;
}

/** Limits per tag (`limits: {gpu: 4}`): the cluster-wide semaphore, one name per limited tag, keyed `tag.<tag>`. */
export class TagLimits implements TagLimiter {
  readonly #places: ReadonlyMap<string, Place>;
  readonly #semaphore: LeaseSemaphore;

  constructor(options: TagLimitsOptions) {
    this.#places = new Map(Object.entries(options.limits).map(([tag, limit]) => [tag, { key: tagKeyOf(tag), label: tag, limit, what: `tag '${tag}'` }]));
    this.#semaphore = new LeaseSemaphore({ ...options, prefix: "tag", pinned: [...this.#places.values()] });
  }

  limitedOf(tags: readonly string[]): string[] {
    return [...new Set(tags)].filter((t) => this.#places.has(t)).sort();
  }

  acquire(tags: readonly string[], ask: { priority: number; step: string }, onChange: (state: TagLimitState) => void): () => void {
    return this.#semaphore.acquire(tags.map((t) => this.#places.get(t)!), ask, onChange);
  }

  /** Running and waiting steps per limited tag, as this node last saw the shared value (every node shows the same). */
  counts(): Map<string, { running: number; waiting: number; limit: number }> {
    const byKey = this.#semaphore.counts();
    return new Map([...this.#places].map(([tag, place]) => [tag, byKey.get(place.key)!]));
  }

  close(waitMs?: number): Promise<void> {
    return this.#semaphore.close(waitMs);
  }
}
