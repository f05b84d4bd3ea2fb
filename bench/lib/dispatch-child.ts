// A few hundred simulated nodes in one process for bench/dispatch.ts, each over its own NATS connection: `watcher`s keep a
// record view (a watch of every record write, what each node did to find queued work elsewhere); `taker`s look at the
// offer board as an idle node's queue balancer does (the real QueueOffers): once a second, and at once after a take.
import { KvWatchInclude, Kvm } from "@nats-io/kv";
import { connect, type NatsConnection } from "@nats-io/transport-node";
import { QueueOffers } from "../../src/cluster/queue-offers.js";
import { sealFor } from "../../src/cluster/trust/cluster-seal.js";
import { ClusterRejections } from "../../src/cluster/trust/rejections.js";
import { SealedStoreValues } from "../../src/cluster/trust/sealed-store-values.js";
import { testTrust } from "../../test/helpers/cluster-key.js";
import { silentLogger } from "../../src/observability/index.js";

export type ToDispatchChild = { t: "start"; url: string; role: "watcher" | "taker"; count: number; bucket: string; runMs: number } | { t: "report"; q: number } | { t: "stop" };
export type FromDispatchChild = { t: "ready" } | { t: "report"; q: number; takenMs: number[]; delivered: number };

const LOOK_MS = 1000;
const connections: NatsConnection[] = [];
const takenMs: number[] = [];
let delivered = 0;
let stopped = false;
const send = (message: FromDispatchChild): void => void process.send!(message);
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function watcher(nc: NatsConnection, bucket: string): Promise<void> {
  const kv = await new Kvm(nc).open(bucket);
  const watch = await kv.watch({ include: KvWatchInclude.UpdatesOnly });
  void (async () => {
    for await (const _ of watch) delivered++;
  })();
}

/** An idle node with one slot: looks at the board, takes the best offer it fits, "runs" it for `runMs`, looks again. */
async function taker(nc: NatsConnection, runMs: number): Promise<void> {
  const values = new SealedStoreValues(sealFor(testTrust()), new ClusterRejections(silentLogger()));
  const offers = new QueueOffers(nc, values, 1);
  // Spread over the second, as nodes started at different times are.
  await sleep(Math.random() * LOOK_MS);
  while (!stopped) {
    let took = false;
    try {
      const pools = (await offers.pools()).sort((a, b) => b.priority - a.priority);
      for (const pool of pools) {
        const offer = await offers.next(pool.subject);
        if (offer === undefined) continue;
        takenMs.push(Date.now() - Number(offer.executionId.split("-")[0]));
        offer.done();
        took = true;
        break;
      }
    } catch {
      // A look that failed is made again at the next one, as the balancer's is.
    }
    await sleep(took ? runMs : LOOK_MS);
  }
}

process.on("message", (message: ToDispatchChild) => {
  if (message.t === "start") {
    void (async () => {
      for (let i = 0; i < message.count; i += 10) {
        const batch = await Promise.all(Array.from({ length: Math.min(10, message.count - i) }, () => connect({ servers: message.url })));
        connections.push(...batch);
        for (const nc of batch) {
          if (message.role === "watcher") await watcher(nc, message.bucket);
          else void taker(nc, message.runMs);
        }
      }
      send({ t: "ready" });
    })();
  } else if (message.t === "report") {
    send({ t: "report", q: message.q, takenMs: takenMs.splice(0), delivered });
    delivered = 0;
  } else {
    stopped = true;
    void Promise.all(connections.map((nc) => nc.close())).then(() => process.exit(0));
  }
});
