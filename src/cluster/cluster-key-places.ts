import type { KeyClaim, KeyLimit, KeyPlaces } from "../engine/internal.js";
import type { LeaseSemaphore, Place } from "./lease-semaphore.js";
import { keyPlaceKeyOf } from "./lease-store.js";

interface Ask {
  release: () => void;
  claim: KeyClaim;
  /** Told once, at the ask's first answer (granted, or why it waits). */
  answered: Array<() => void>;
}

/** A key's place as the semaphore keeps it: KV key and stored label a digest of the key (the caller's text stays here). */
function placeOf(limit: KeyLimit): Place {
  const key = keyPlaceKeyOf(limit.key);
  return { key, label: key, limit: limit.limit, what: limit.what };
}

/** In key order: two executions asking for the same keys never wait on each other. */
function placesOf(limits: readonly KeyLimit[]): Place[] {
  return limits.map(placeOf).sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
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
    const places = placesOf(limits);
    const ask: Ask = { release: () => undefined, claim: { held: false, reason: `waiting for the cluster limit on ${limits[0]?.what ?? "its keys"}`, pending: true }, answered: [] };
    this.#asks.set(id, ask);
    ask.release = this.#semaphore.acquire(places, { priority, step: id }, (state) => {
      const pending = !ask.claim.held && ask.claim.pending;
      // NATS not reached, or the write failed: no answer, so what ranks behind it still waits for the cluster's first.
      const first = pending && (state.granted || state.unanswered !== true);
      ask.claim = state.granted ? { held: true } : { held: false, reason: state.message, pending: pending && !first };
      if (first) for (const told of ask.answered.splice(0)) told();
      // Told later, never inside the queue's own dispatch that asked.
      if (state.granted || first) setImmediate(() => this.#listeners.forEach((l) => l()));
    });
    return ask.claim;
  }

  async claimed(id: string, limits: readonly KeyLimit[], priority: number, waitMs: number): Promise<KeyClaim> {
    const claim = this.claim(id, limits, priority);
    const ask = this.#asks.get(id);
    if (!claim.held && claim.pending && ask !== undefined) {
      let timer: NodeJS.Timeout | undefined;
      await new Promise<void>((resolve) => {
        ask.answered.push(resolve);
        timer = setTimeout(resolve, waitMs).unref();
      });
      clearTimeout(timer);
    }
    return this.#asks.get(id)?.claim ?? { held: false, reason: "given back", pending: false };
  }

  hold(id: string, limits: readonly KeyLimit[], priority: number): void {
    this.release(id);
    const ask: Ask = { release: () => undefined, claim: { held: true }, answered: [] };
    this.#asks.set(id, ask);
    ask.release = this.#semaphore.acquire(placesOf(limits), { priority, step: id, running: true }, () => undefined);
  }

  reasonOf(id: string): string | undefined {
    const claim = this.#asks.get(id)?.claim;
    return claim === undefined || claim.held ? undefined : claim.reason;
  }

  release(id: string): void {
    const ask = this.#asks.get(id);
    if (ask === undefined) return;
    this.#asks.delete(id);
    ask.release();
    for (const told of ask.answered.splice(0)) told();
  }

  onGranted(listener: () => void): void {
    this.#listeners.push(listener);
  }
}
