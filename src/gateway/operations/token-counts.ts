import { once } from "../../once.js";

/** How many of something (running executions, open watches) each token holds at once, each against its own limit. */
export class TokenCounts {
  readonly #held = new Map<string, number>();

  held(tokenId: string): number {
    return this.#held.get(tokenId) ?? 0;
  }

  /** Takes one for the token unless it already holds `max` (undefined: no limit); the returned function gives it back (once). */
  take(tokenId: string, max: number | undefined, refuse: (held: number) => Error): () => void {
    const held = this.held(tokenId);
    if (max !== undefined && held >= max) throw refuse(held);
    this.#held.set(tokenId, held + 1);
    return once(() => {
      const left = this.held(tokenId) - 1;
      // An idle token leaves no entry behind: the map stays as small as what is held now.
      if (left <= 0) this.#held.delete(tokenId);
      else this.#held.set(tokenId, left);
    });
  }
}
