import type { KeyLimit } from "../types.js";
import type { KeyClaim, KeyPlaces } from "./key-places.js";

/**
 * The queue's side of places held cluster-wide (concurrency keys, a token's own max_running): which of a ticket's
 * limits are shared, and which waiting executions have asked for theirs, so that asks can be given back. Without
 * shared places (a standalone node) no limit is shared and nothing is asked.
 */
export class SharedPlaces {
  readonly #places: KeyPlaces | undefined;
  /** Executions whose places are asked for and not yet theirs to run with. */
  readonly #asking = new Set<string>();

  constructor(places: KeyPlaces | undefined, onGranted: () => void) {
    this.#places = places;
    places?.onGranted(onGranted);
  }

  /**
   * The limits a ticket holds cluster-wide: concurrency keys and a token's own max_running. The node's default
   * max_running, for tokens that set none, stays per node: it is a share of one node's slots, not a cap on the cluster.
   */
  of(ticket: { limits: readonly KeyLimit[] }): readonly KeyLimit[] {
    return this.#places === undefined || ticket.limits.length === 0 ? [] : ticket.limits.filter((l) => l.per_node !== true);
  }

  /** Whether `id` holds its places (asked for now, once, when it does not), or its ask awaits its first answer. */
  placed(id: string, ticket: { limits: readonly KeyLimit[]; priority: number }): boolean | "pending" {
    const limits = this.of(ticket);
    if (limits.length === 0) return true;
    this.#asking.add(id);
    const claim = this.#places!.claim(id, limits, ticket.priority);
    return claim.held || (claim.pending ? "pending" : false);
  }

  /** `placed`, awaiting the cluster's first answer (or `waitMs`). */
  claimed(id: string, limits: readonly KeyLimit[], priority: number, waitMs: number): Promise<KeyClaim> {
    this.#asking.add(id);
    return this.#places!.claimed(id, limits, priority, waitMs);
  }

  /** It runs with its places now: they go back with its end (`release`), not as an unanswered ask. */
  running(id: string): void {
    this.#asking.delete(id);
  }

  /** Holds places at once for one that runs already (taken over after its process died). */
  hold(id: string, limits: readonly KeyLimit[], priority: number): void {
    this.#places!.hold(id, limits, priority);
  }

  release(id: string): void {
    this.#places?.release(id);
  }

  /** Gives back an ask that did not become a run (withdrawn, or the node has no slot for it now). */
  forget(id: string): void {
    if (this.#asking.delete(id)) this.#places?.release(id);
  }

  forgetAll(): void {
    for (const id of [...this.#asking]) this.forget(id);
  }

  reasonOf(id: string): string | undefined {
    return this.#asking.has(id) ? this.#places?.reasonOf(id) : undefined;
  }
}
