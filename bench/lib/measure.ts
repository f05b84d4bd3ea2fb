import { setImmediate as yieldToLoop } from "node:timers/promises";
import { median } from "./stats.js";

export interface RoundOptions {
  /** Untimed iterations first, so the JIT, caches and pools are warm. */
  warmupMs: number;
  /** Length of one timed round. */
  roundMs: number;
  rounds: number;
}

export interface RoundResult {
  /** Microseconds per operation, one figure per round. */
  usPerOp: number[];
  /** Operations done in each round. */
  ops: number[];
  /** Median of `usPerOp`. */
  medianUs: number;
}

/**
 * Runs `op` sequentially (each awaited before the next starts) for `warmupMs`, then for `rounds` rounds of
 * `roundMs` each, and reports microseconds per operation for every round. The event loop gets a turn between rounds.
 */
export async function sequentialRounds(op: () => Promise<unknown>, options: RoundOptions): Promise<RoundResult> {
  const warmEnd = performance.now() + options.warmupMs;
  while (performance.now() < warmEnd) await op();
  await yieldToLoop();
  const usPerOp: number[] = [];
  const ops: number[] = [];
  for (let round = 0; round < options.rounds; round++) {
    let n = 0;
    const start = performance.now();
    const end = start + options.roundMs;
    let now = start;
    while (now < end) {
      await op();
      n++;
      now = performance.now();
    }
    usPerOp.push(((now - start) * 1000) / n);
    ops.push(n);
    await yieldToLoop();
  }
  return { usPerOp, ops, medianUs: median(usPerOp) };
}

/**
 * Like `sequentialRounds` for a synchronous operation too cheap to time one at a time: it runs in batches of
 * `batch` calls between clock reads.
 */
export function syncRounds(op: (i: number) => void, batch: number, options: RoundOptions): RoundResult {
  const warmEnd = performance.now() + options.warmupMs;
  let i = 0;
  while (performance.now() < warmEnd) for (let b = 0; b < batch; b++) op(i++);
  const usPerOp: number[] = [];
  const ops: number[] = [];
  for (let round = 0; round < options.rounds; round++) {
    let n = 0;
    const start = performance.now();
    const end = start + options.roundMs;
    let now = start;
    while (now < end) {
      for (let b = 0; b < batch; b++) op(i++);
      n += batch;
      now = performance.now();
    }
    usPerOp.push(((now - start) * 1000) / n);
    ops.push(n);
  }
  return { usPerOp, ops, medianUs: median(usPerOp) };
}

/** Runs `op` exactly `count` times per round, sequentially; for a comparator too slow to run for the same time. */
export async function countedRounds(op: () => Promise<unknown>, warmupOps: number, count: number, rounds: number): Promise<RoundResult> {
  for (let i = 0; i < warmupOps; i++) await op();
  await yieldToLoop();
  const usPerOp: number[] = [];
  const ops: number[] = [];
  for (let round = 0; round < rounds; round++) {
    const start = performance.now();
    for (let i = 0; i < count; i++) await op();
    usPerOp.push(((performance.now() - start) * 1000) / count);
    ops.push(count);
    await yieldToLoop();
  }
  return { usPerOp, ops, medianUs: median(usPerOp) };
}
