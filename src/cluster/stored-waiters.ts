/**
 * Who waits for an execution's writes to be acknowledged (a sync answer): woken once nothing of it is pending any
 * more; while someone waits, its writes go at once (`sendNow`) instead of at the end of the turn.
 */
export class StoredWaiters {
  readonly #waiters = new Map<string, (() => void)[]>();

  constructor(
    private readonly pending: (executionId: string) => boolean,
    private readonly sendNow: () => void,
  ) {}

  wait(executionId: string): Promise<void> {
    if (!this.pending(executionId)) return Promise.resolve();
    const waiting = new Promise<void>((resolve) => this.#waiters.set(executionId, [...(this.#waiters.get(executionId) ?? []), resolve]));
    this.sendNow();
    return waiting;
  }

  /** Called when a write of it was acknowledged, was made due, or it was fenced. */
  wake(executionId: string): void {
    if (this.pending(executionId)) {
      if (this.#waiters.has(executionId)) this.sendNow();
      return;
    }
    for (const wake of this.#waiters.get(executionId) ?? []) wake();
    this.#waiters.delete(executionId);
  }
}
