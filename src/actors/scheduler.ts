import { Mailbox } from "./mailbox.js";

/** Something with work to do in small turns; `runTurn` returns true when it has more and wants another turn. */
export interface Runnable {
  runTurn(): boolean;
}

/** Rounds in a row without the queue going empty before yielding to I/O and timers with setImmediate. */
const ROUNDS_BEFORE_MACROTASK = 256;

/**
 * One run queue per system: ready actors take turns round-robin, one queueMicrotask per round rather than per actor,
 * so a busy actor cannot starve others and a never-idle system still lets I/O in now and then.
 */
export class Scheduler {
  private readonly ready = new Mailbox<Runnable>();
  private pending = false;
  private rounds = 0;
  private readonly runRound = (): void => this.run();

  /** Queues `runnable` for a turn; the caller guarantees it is not queued already. */
  enqueue(runnable: Runnable): void {
    this.ready.push(runnable);
    if (!this.pending) {
      this.pending = true;
      queueMicrotask(this.runRound);
    }
  }

  private run(): void {
    const ready = this.ready;
    let turns = ready.size; // only those ready now: newcomers wait for the next round, after promise callbacks
    try {
      while (turns-- > 0) {
        const runnable = ready.shift()!;
        if (runnable.runTurn()) ready.push(runnable);
      }
    } finally {
      if (ready.size === 0) {
        this.pending = false;
        this.rounds = 0;
      } else if (++this.rounds >= ROUNDS_BEFORE_MACROTASK) {
        this.rounds = 0;
        setImmediate(this.runRound);
      } else {
        queueMicrotask(this.runRound);
      }
    }
  }
}
