/** How far behind a sender's newest sequence a message may arrive and still be accepted (once). */
const WINDOW = 4096;

interface SenderWindow {
  highest: number;
  seen: Set<number>;
  lastMs: number;
}

/**
 * Accepts each (sender, sequence) once: a captured message sent again within the freshness window is refused. A
 * sender's messages reach one subscription in the order sent, so a window of recent sequences is enough; what falls
 * behind it is refused too. Senders quiet for longer than the freshness window are forgotten (their replays are stale).
 */
export class ReplayGuard {
  readonly #senders = new Map<string, SenderWindow>();
  readonly #forgetAfterMs: number;
  #sweepAtMs = 0;

  constructor(forgetAfterMs: number) {
    this.#forgetAfterMs = forgetAfterMs;
  }

  /** True the first time this sender's sequence is seen; false for a replay or one too far behind. */
  accept(sender: string, seq: number, nowMs: number): boolean {
    this.#sweep(nowMs);
    let window = this.#senders.get(sender);
    if (window === undefined) this.#senders.set(sender, (window = { highest: 0, seen: new Set(), lastMs: nowMs }));
    window.lastMs = nowMs;
    if (seq <= window.highest - WINDOW || window.seen.has(seq)) return false;
    window.seen.add(seq);
    if (seq > window.highest) {
      window.highest = seq;
      if (window.seen.size > 2 * WINDOW) for (const old of window.seen) if (old <= seq - WINDOW) window.seen.delete(old);
    }
    return true;
  }

  #sweep(nowMs: number): void {
    if (nowMs < this.#sweepAtMs) return;
    this.#sweepAtMs = nowMs + this.#forgetAfterMs;
    for (const [sender, window] of this.#senders) if (nowMs - window.lastMs > this.#forgetAfterMs) this.#senders.delete(sender);
  }
}
