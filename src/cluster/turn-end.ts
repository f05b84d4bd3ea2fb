/**
 * Runs what a node sends in one turn of the event loop at the turn's end (setImmediate, no timer), in one synchronous
 * run, in the order it was asked for: a placed step's reports, its end and the write of its outcome, made over several
 * microtasks, leave in one socket write (nats.js writes its buffer once, in the microtask after a synchronous run's
 * first publish), and reach the other node as one message.
 */
export class TurnEnd {
  #queued: (() => void)[] = [];
  #scheduled = false;
  readonly #run = (): void => {
    this.#scheduled = false;
    const queued = this.#queued;
    this.#queued = [];
    let failure: { error: unknown } | undefined;
    for (const send of queued) {
      try {
        send();
      } catch (error) {
        failure ??= { error };
      }
    }
    // One sender's throw does not keep the others from sending; it is thrown after them, as it would have been alone.
    if (failure !== undefined) throw failure.error;
  };

  /** Runs what waits now (a node leaving sends a step's end before it says it is gone). */
  now(): void {
    if (this.#queued.length > 0) this.#run();
  }

  /** `send` runs at the end of this turn, after what was asked for before it. */
  later(send: () => void): void {
    this.#queued.push(send);
    if (!this.#scheduled) {
      this.#scheduled = true;
      setImmediate(this.#run);
    }
  }
}
