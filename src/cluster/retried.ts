import { setTimeout as sleep } from "node:timers/promises";

const FIRST_DELAY_MS = 250;
const MAX_DELAY_MS = 5000;

/** The wait before retry `n` (from 1): 250 ms doubling to 5 s. */
export function backoffMs(n: number): number {
  return Math.min(MAX_DELAY_MS, FIRST_DELAY_MS * 2 ** (n - 1));
}

/** `attempt` until it succeeds, backing off (250 ms doubling to 5 s) and telling `onFailure`; gives up once `stop()` says so. */
export async function retried<T>(attempt: () => Promise<T>, stop: () => boolean, onFailure: (error: unknown, attempt: number, delayMs: number) => void): Promise<T> {
  for (let n = 1; ; n++) {
    try {
      return await attempt();
    } catch (error) {
      if (stop()) throw error;
      const delay = backoffMs(n);
      onFailure(error, n, delay);
      await sleep(delay);
    }
  }
}
