/**
 * Who waits for an execution's writes to be acknowledged (a sync answer): woken once nothing of it is pending any
 * more. Its writes go at the end of the turn with every other execution's, not at once: under load one socket write
 * then carries many executions' writes (and the server answers them in one read), at no cost to a lone caller.
 */
export class StoredWaiters {
  readonly #waiters = new Map<string, (() => void)[]>();

  constructor(private readonly pending: (executionId: string) => boolean) {}

  wait(executionId: string): Promise<void> {
    if (!this.pending(executionId)) return Promise.resolve();
    return new Promise<void>((resolve) => this.#waiters.set(executionId, [...(this.#waiters.get(executionId) ?? []), resolve]));
  }

  /** Called when a write of it was acknowledged or it was fenced. */
  wake(executionId: string): void {
    if (this.pending(executionId)) return;
    for (const wake of this.#waiters.get(executionId) ?? []) wake();
    this.#waiters.delete(executionId);
  }
}
