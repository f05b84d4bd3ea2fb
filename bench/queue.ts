import { fmt, percentile } from "./lib/stats.js";
import { drainBullmq, startRedis } from "./lib/queue-bullmq.js";
import { drainOurs, type BenchJob, type DrainResult } from "./lib/queue-ours.js";
import { embeddedRuntime, loadSource } from "./lib/setup.js";

// npm run bench:queue — the queue in front of execution against BullMQ with priorities on a Redis of its own, same run.
const QUEUED = 10_000;
const SLOTS = 8;
const log = (line: string) => process.stdout.write(`${line}\n`);

/** 10,000 jobs of mixed priority (one in ten at 9, the rest spread over 0-8) from 16 keys in turn. */
function backlog(): BenchJob[] {
  return Array.from({ length: QUEUED }, (_, i) => ({ priority: i % 10 === 0 ? 9 : i % 9, key: `k${i % 16}` }));
}

/** Uneven arrivals: key k0 sends 4,000 first, then k1 1,000, k2 500 and k3 100, all waiting at once, one priority. */
function uneven(): BenchJob[] {
  return [["k0", 4000], ["k1", 1000], ["k2", 500], ["k3", 100]].flatMap(([key, n]) => Array.from({ length: n as number }, () => ({ priority: 5, key: key as string })));
}

/**
 * Jain's fairness index over the keys' shares of the starts while every key still had work waiting (the first 4 x 100
 * starts): 1 when they got equal turns, 1/n when one key took all.
 */
function jain(result: DrainResult, keys: readonly string[], window: number): number {
  const shares = keys.map((k) => result.startedKeys.slice(0, window).filter((s) => s === k).length);
  const sum = shares.reduce((a, b) => a + b, 0);
  return (sum * sum) / (keys.length * shares.reduce((a, b) => a + b * b, 0));
}

function summary(result: DrainResult): { p50: number; p99: number; urgentP50: number; rate: number } {
  const sorted = [...result.waitsMs].sort((a, b) => a - b);
  const urgent = [...result.urgentWaitsMs].sort((a, b) => a - b);
  return { p50: percentile(sorted, 50), p99: percentile(sorted, 99), urgentP50: percentile(urgent, 50), rate: result.waitsMs.length / (result.spanMs / 1000) };
}

async function ours(jobs: readonly BenchJob[]): Promise<DrainResult> {
  const bench = await embeddedRuntime("queue");
  try {
    const source = await loadSource();
    // A warm-up drain, so module loading and JIT are not the first jobs' wait.
    await drainOurs(bench.runtime, source, "single", jobs.slice(0, 500), SLOTS);
    return await drainOurs(bench.runtime, source, "single", jobs, SLOTS);
  } finally {
    await bench.close();
  }
}

const redis = await startRedis();
try {
  log(`queue: ${QUEUED.toLocaleString("en-US")} queued executions, ${SLOTS} slots, no-op one-step workflow; ours on the default on-disk store (every record and event journaled), BullMQ ${SLOTS}-concurrency Worker in this process, Redis without persistence on port ${redis.port}`);
  const jobs = backlog();
  await drainBullmq(redis.port, jobs.slice(0, 500), SLOTS);
  const theirs = summary(await drainBullmq(redis.port, jobs, SLOTS));
  const mine = summary(await ours(jobs));
  log(`1. enqueue-to-start, p50: ours ${fmt(mine.p50)} ms, BullMQ ${fmt(theirs.p50)} ms (ours ${fmt(theirs.p50 / mine.p50)}x faster; target > 1x)`);
  log(`2. enqueue-to-start, p99: ours ${fmt(mine.p99)} ms, BullMQ ${fmt(theirs.p99)} ms (ours ${fmt(theirs.p99 / mine.p99)}x faster; target > 1x)`);
  log(`3. enqueue-to-start of the 1,000 priority-9 jobs in that backlog, p50: ours ${fmt(mine.urgentP50)} ms, BullMQ ${fmt(theirs.urgentP50)} ms (ours ${fmt(theirs.urgentP50 / mine.urgentP50)}x faster)`);
  log(`4. dispatch rate (starts/s over the drain): ours ${fmt(mine.rate)}, BullMQ ${fmt(theirs.rate)} (${fmt(mine.rate / theirs.rate)}x)`);
  const keys = ["k0", "k1", "k2", "k3"];
  const fairOurs = jain(await ours(uneven()), keys, 400);
  const fairBull = jain(await drainBullmq(redis.port, uneven(), SLOTS), keys, 400);
  log(`5. fairness between 4 keys with uneven arrivals (4,000 / 1,000 / 500 / 100), Jain's index over the first 400 starts: ours ${fmt(fairOurs)} (round-robin between keys; target >= 0.95), BullMQ ${fmt(fairBull)} (arrival order within a priority)`);
} finally {
  await redis.close();
}
