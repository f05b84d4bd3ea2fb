import type { Logger } from "../../observability/index.js";

/** At most one line per kind in this period: a flood of bad messages must not flood the log too. */
const LOG_EVERY_MS = 10_000;

/** Warns at most once per kind and period; the next line of that kind says how many were left out meanwhile. */
export class SparseLog<Kind> {
  readonly #loggedAtMs = new Map<Kind, number>();
  readonly #suppressed = new Map<Kind, number>();
  readonly #logger: Logger;
  readonly #now: () => number;

  constructor(logger: Logger, now: () => number = Date.now) {
    this.#logger = logger;
    this.#now = now;
  }

  warn(kind: Kind, fields: Record<string, unknown>, message: string): void {
    const now = this.#now();
    const last = this.#loggedAtMs.get(kind);
    if (last !== undefined && now - last < LOG_EVERY_MS) {
      this.#suppressed.set(kind, (this.#suppressed.get(kind) ?? 0) + 1);
      return;
    }
    this.#loggedAtMs.set(kind, now);
    const alsoDropped = this.#suppressed.get(kind) ?? 0;
    this.#suppressed.delete(kind);
    this.#logger.warn({ ...fields, ...(alsoDropped > 0 ? { also_dropped: alsoDropped } : {}) }, message);
  }
}
