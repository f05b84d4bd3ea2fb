import { connect as connectTcp } from "node:net";
import { Queue, QueueEvents } from "bullmq";
import { readyChild } from "./ready-child.js";
import type { TimedPath } from "./round-trips.js";

export const REDIS = { host: "127.0.0.1", port: 6379 };

/** Whether a Redis answers PING at REDIS, within a second (BullMQ's client would retry forever instead). */
export function redisAnswers(): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connectTcp(REDIS.port, REDIS.host);
    const done = (ok: boolean) => {
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(1000, () => done(false));
    socket.once("error", () => done(false));
    socket.once("connect", () => socket.write("PING\r\n"));
    socket.once("data", (data) => done(data.toString().startsWith("+PONG")));
  });
}

/**
 * A BullMQ job round trip as a TypeScript team writes one: `queue.add` here, a Worker in another process completes it
 * with its own data, and `job.waitUntilFinished(queueEvents)` here sees it done. Completed jobs are trimmed to the last
 * 1,000 (so a finished job's key is still there when waitUntilFinished looks); the queue is removed on close.
 */
export async function bullmqRoundTrip(): Promise<TimedPath & { close(): Promise<void> }> {
  const name = `wfx-bench-${process.pid}`;
  const connection = { ...REDIS, maxRetriesPerRequest: null };
  const worker = await readyChild("bullmq-worker-child", [REDIS.host, String(REDIS.port), name]);
  const queue = new Queue(name, { connection });
  const events = new QueueEvents(name, { connection });
  await Promise.all([queue.waitUntilReady(), events.waitUntilReady()]);
  const options = { removeOnComplete: { count: 1000 }, removeOnFail: { count: 1000 } };
  return {
    name: "BullMQ job round trip",
    async call() {
      const job = await queue.add("noop", { value: 1 }, options);
      const result = (await job.waitUntilFinished(events)) as { value?: number } | undefined;
      if (result?.value !== 1) throw new Error(`BullMQ job ${job.id} returned ${JSON.stringify(result)}`);
    },
    async close() {
      await worker.stop();
      await events.close();
      await queue.obliterate({ force: true });
      await queue.close();
    },
  };
}
