// The BullMQ worker of the peer measurement, in a process of its own (bench/cluster.ts forks it): it completes every
// job of the queue with the job's own data, the same no-op the runtime's step does.
import { Worker } from "bullmq";

const [host, port, queue] = process.argv.slice(2) as [string, string, string];
const worker = new Worker(queue, async (job) => job.data as unknown, { connection: { host, port: Number(port), maxRetriesPerRequest: null }, concurrency: 1 });
await worker.waitUntilReady();
process.send!("ready");
process.on("disconnect", () => void worker.close().then(() => process.exit(0)));
