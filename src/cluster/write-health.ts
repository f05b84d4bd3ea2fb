/** Writes failing longer than this make the node not ready: NATS blinking for a moment does not, a broken JetStream does. */
export const UNHEALTHY_AFTER_MS = 10_000;

export interface StoreHealth {
  ready: boolean;
  reason?: string;
}

/**
 * Which of the store's writes are failing now (by execution), since when, and the last error: the node answers not
 * ready, with the reason, while any has failed for longer than `unhealthyAfterMs` (its executions wait, held in memory).
 */
export class WriteHealth {
  readonly #failingSince = new Map<string, number>();
  #lastError = "";

  constructor(readonly unhealthyAfterMs = UNHEALTHY_AFTER_MS) {}

  failed(executionId: string, error: unknown): void {
    if (!this.#failingSince.has(executionId)) this.#failingSince.set(executionId, Date.now());
    this.#lastError = error instanceof Error ? error.message : String(error);
  }

  /** A write of this execution went through (or it needs none any more). */
  settled(executionId: string): void {
    this.#failingSince.delete(executionId);
  }

  now(nowMs = Date.now()): StoreHealth {
    let oldest = Infinity;
    for (const since of this.#failingSince.values()) oldest = Math.min(oldest, since);
    const forMs = nowMs - oldest;
    if (forMs <= this.unhealthyAfterMs) return { ready: true };
    return { ready: false, reason: `cluster store writes have failed for ${Math.round(forMs / 1000)} s (${this.#failingSince.size} executions waiting, held in memory and retried): ${this.#lastError}` };
  }
}
