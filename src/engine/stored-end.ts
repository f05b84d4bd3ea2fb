import { TERMINAL_STATUSES, type ExecutionRecord, type ExecutionStore } from "./types.js";

/**
 * The execution's record as the store has it, read every `everyMs` until it has ended (another process writes that end)
 * or `untilMs` (epoch ms) passes; a read that fails counts as not there yet. Resolves with the last record read.
 */
export async function storedEnd(store: Pick<ExecutionStore, "getRecord">, executionId: string, options: { everyMs: number; untilMs?: number }): Promise<ExecutionRecord | undefined> {
  for (;;) {
    const record = await store.getRecord(executionId).catch(() => undefined);
    if ((record !== undefined && TERMINAL_STATUSES.has(record.status)) || (options.untilMs !== undefined && Date.now() >= options.untilMs)) return record;
    await new Promise((resolve) => setTimeout(resolve, options.everyMs));
  }
}
