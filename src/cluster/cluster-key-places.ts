import type { KeyClaim, KeyLimit, KeyPlaces } from "../engine/internal.js";
import type { LeaseSemaphore, Place } from "./lease-semaphore.js";
import { keyPlaceKeyOf } from "./lease-store.js";

interface Ask {
  release: () => void;
  claim: KeyClaim;
}

/** A key's place as the semaphore keeps it: KV key and stored label a digest of the key (the caller's text stays here). */
function placeOf(limit: KeyLimit): Place {
  const key = keyPlaceKeyOf(limit.key);
  return { key, label: key, limit: limit.limit, what: limit.what };
}

/**
 * Concurrency keys and tokens' max_running held cluster-wide: each queued execution that may start here but for its
 * keys asks the lease semaphore for a place under each (in priority-then-arrival order across the cluster), and holds
 * them while it runs; a SIGKILLed node's places come back when its lease runs out.
 */
export class ClusterKeyPlaces implements KeyPlaces {
  readonly #semaphore: LeaseSemaphore;
  readonly #asks = new Map<string, Ask>();
  readonly #listeners: (() => void)[] = [];

  constructor(semaphore: LeaseSemaphore) {
    this.#semaphore = semaphore;
  }

  claim(id: string, limits: readonly KeyLimit[], priority: number): KeyClaim {
    const asked = this.#asks.get(id);
    if (asked !== undefined) return asked.claim;
    const places = limits.map(placeOf).sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
    const ask: Ask = { release: () => undefined, claim: { held: false, reason: `waiting for the cluster limit on ${limits[0]?.what ?? "its keys"}`, pending: true } };
    this.#asks.set(id, ask);
    ask.release = this.#semaphore.acquire(places, { priority, step: id }, (state) => {
      const first = !ask.claim.held && ask.claim.pending;
      ask.claim = state.granted ? { held: true } : { held: false, reason: state.message, pending: false };
      // Told later, never inside the queue's own dispatch that asked.
      if (state.granted || first) setImmediate(() => this.#listeners.forEach((l) => l()));
    });
    return ask.claim;
  }

  release(id: string): void {
    const ask = this.#asks.get(id);
    if (ask === undefined) return;
    this.#asks.delete(id);
    ask.release();
  }

  onGranted(listener: () => void): void {
    this.#listeners.push(listener);
  }
}
