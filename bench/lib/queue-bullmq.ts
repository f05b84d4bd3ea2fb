import { spawn, type ChildProcess } from "node:child_process";
import { Queue, Worker } from "bullmq";
import { freePort } from "../../test/helpers/nats-server.js";
import type { BenchJob, DrainResult } from "./queue-ours.js";

/** A redis-server of the bench's own on a free port, without persistence (BullMQ's usual test setup), removed on close. */
export async function startRedis(): Promise<{ port: number; close(): Promise<void> }> {
  const port = await freePort();
  const child: ChildProcess = spawn("/usr/bin/redis-server", ["--port", String(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"], { stdio: ["ignore", "pipe", "ignore"] });
  await new Promise<void>((resolve, reject) => {
    let log = "";
    child.stdout!.on("data", (chunk: Buffer) => {
      log += chunk;
      if (log.includes("Ready to accept connections")) resolve();
    });
    child.once("exit", (code) => reject(new Error(`redis-server exited with ${code}: ${log}`)));
  });
  return {
    port,
    async close() {
      const exited = new Promise((resolve) => child.once("exit", resolve));
      child.kill("SIGTERM");
      await exited;
    },
  };
}

/** BullMQ's priority: 1 is the highest, larger is lower; ours 9 is the highest. */
const bullPriority = (priority: number) => 10 - priority;

/**
 * The peer: BullMQ with priorities on that Redis. Every job added (addBulk) with no worker running, then a Worker of
 * `slots` concurrency in this process started; each job's processor run is its start.
 */
export async function drainBullmq(port: number, jobs: readonly BenchJob[], slots: number): Promise<DrainResult> {
  const connection = { host: "127.0.0.1", port, maxRetriesPerRequest: null };
  const name = `wfx-bench-queue-${process.pid}-${Date.now()}`;
  const queue = new Queue(name, { connection });
  await queue.waitUntilReady();
  const waitsMs: number[] = [];
  const urgentWaitsMs: number[] = [];
  const startedKeys: string[] = [];
  const first = performance.now();
  let last = first;
  const enqueued = jobs.map((job, i) => ({ name: "job", data: { i, key: job.key, priority: job.priority, at: 0 }, opts: { priority: bullPriority(job.priority), removeOnComplete: true, removeOnFail: true } }));
  for (const job of enqueued) job.data.at = performance.now();
  // One round trip per 1,000 jobs, as a team adding a backlog would.
  for (let i = 0; i < enqueued.length; i += 1000) await queue.addBulk(enqueued.slice(i, i + 1000));
  let done = 0;
  const finished = new Promise<void>((resolve) => {
    const worker = new Worker(name, async (job) => {
      last = performance.now();
      const data = job.data as { at: number; priority: number };
      waitsMs.push(last - data.at);
      if (data.priority === 9) urgentWaitsMs.push(last - data.at);
      startedKeys.push((job.data as { key: string }).key);
      return null;
    }, { connection, concurrency: slots, autorun: true });
    worker.on("completed", () => {
      if (++done === jobs.length) void worker.close().then(() => resolve());
    });
  });
  await finished;
  await queue.obliterate({ force: true });
  await queue.close();
  return { waitsMs, urgentWaitsMs, startedKeys, spanMs: last - first };
}
