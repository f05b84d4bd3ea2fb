/**
 * Holds the executions with writes due until the end of the current turn of the event loop (setImmediate, no timer),
 * then sends them all in one synchronous run: every execution's writes of the turn go to NATS in one socket write, and
 * a short execution's events and record, written in the turn it ran, go as one message each instead of one per write.
 */
export class WriteWindow {
  #due = new Set<string>();
  #scheduled: NodeJS.Immediate | undefined;

  constructor(private readonly send: (executionId: string) => void) {}

  /** The execution's writes go out at the end of this turn. */
  due(executionId: string): void {
    this.#due.add(executionId);
    this.#scheduled ??= setImmediate(() => this.now());
  }

  /** Sends what is due at once (a flush must not wait for the turn to end). */
  now(): void {
    if (this.#scheduled !== undefined) clearImmediate(this.#scheduled);
    this.#scheduled = undefined;
    const due = this.#due;
    this.#due = new Set();
    for (const id of due) this.send(id);
  }
}
