import type { Clock } from "./types.js";

/** Node fires longer timers after 1 ms instead; clamping to ~24.8 days keeps huge backoffs huge. */
const MAX_TIMER_MS = 2_147_483_647;

/** Real time: epoch milliseconds and Node timers. */
export const systemClock: Clock = Object.freeze({
  now: () => Date.now(),
  setTimeout: (fn: () => void, ms: number): unknown => setTimeout(fn, Math.min(ms, MAX_TIMER_MS)),
  clearTimeout: (handle: unknown) => clearTimeout(handle as NodeJS.Timeout),
});

interface SimulatedTimer {
  at: number;
  fn: () => void;
}

/** Time that moves only when a test calls `advance`, so backoffs and timeouts are deterministic. */
export class SimulatedClock implements Clock {
  private time: number;
  private seq = 0;
  private readonly timers = new Map<number, SimulatedTimer>();

  constructor(startMs = 0) {
    this.time = startMs;
  }

  now(): number {
    return this.time;
  }

  setTimeout(fn: () => void, ms: number): unknown {
    const id = ++this.seq;
    this.timers.set(id, { at: this.time + Math.max(0, ms || 0), fn });
    return id;
  }

  clearTimeout(handle: unknown): void {
    this.timers.delete(handle as number);
  }

  /** Timers not yet fired or cleared. */
  get pendingTimers(): number {
    return this.timers.size;
  }

  /** Moves time forward by `ms`, running each due timer at its own time, earliest first (ties in creation order). */
  advance(ms: number): void {
    const target = this.time + ms;
    for (;;) {
      let nextId = 0;
      let next: SimulatedTimer | undefined;
      for (const [id, timer] of this.timers) {
        if (timer.at <= target && (next === undefined || timer.at < next.at)) {
          next = timer;
          nextId = id;
        }
      }
      if (next === undefined) break;
      this.timers.delete(nextId);
      this.time = next.at;
      next.fn();
    }
    this.time = target;
  }
}
