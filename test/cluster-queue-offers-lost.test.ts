import { test } from "uvu";
import * as assert from "uvu/assert";
import { connect } from "@nats-io/transport-node";
import { eventually } from "./helpers/engine-fixture.js";
import { startQueueCluster } from "./helpers/queue-cluster.js";
import { testTrust } from "./helpers/cluster-key.js";
import { offerSubject, QueueOffers } from "../src/cluster/queue-offers.js";
import { sealFor } from "../src/cluster/trust/cluster-seal.js";
import { ClusterRejections } from "../src/cluster/trust/rejections.js";
import { SealedStoreValues } from "../src/cluster/trust/sealed-store-values.js";
import { silentLogger } from "../src/observability/index.js";

// A node that pulls an offer and dies before answering for it (here a cluster member that never acknowledges) holds it
// only for the consumer's ack wait (30 s): the board then gives it to a node with room, which takes the execution.
const cluster = await startQueueCluster("queue-offers-lost");
const { gate, run, status, listed } = cluster;
await cluster.worker("worker-1");
const nc = await connect({ servers: cluster.nats.url });

test.after(async () => {
  gate.open("held");
  await nc.close();
  await cluster.close();
});

test("cluster queue offers - an offer pulled by a node that dies before answering goes to a node with room after the ack wait", async () => {
  await eventually(async () => ((await listed()).some((n) => n.id === "worker-1" && n.status === "up") ? true : undefined), 30_000, "worker-1 up");
  assert.is((await run({ gate: gate.url, name: "held" }, { target_instance: "worker-1" })).body["status"], "running");
  await eventually(() => (gate.arrived("held") === 1 ? true : undefined), 20_000, "worker-1's slot held");
  const queued = (await run({ tag: "lost-offer" }, { target_tags: ["pool"] })).body;
  assert.equal([queued["status"], queued["node"]], ["queued", "worker-1"]);

  // The doomed taker: it holds the key, pulls the offer, and never says what became of it.
  const doomed = new QueueOffers(nc, new SealedStoreValues(sealFor(testTrust()), new ClusterRejections(silentLogger())), 1);
  const offer = await eventually(() => doomed.next(offerSubject(["pool"], 5)), 20_000, "the offer on the board");
  const pulledAt = Date.now();
  assert.is(offer.executionId, queued["execution_id"]);
  assert.is(offer.node, "worker-1");

  // A worker with room comes up: the offer is held elsewhere, so the execution waits where it is meanwhile.
  await cluster.worker("worker-2");
  await eventually(async () => ((await listed()).some((n) => n.id === "worker-2" && n.status === "up") ? true : undefined), 30_000, "worker-2 up");
  await new Promise((resolve) => setTimeout(resolve, 3000));
  assert.equal([(await status(queued["execution_id"]))["status"], (await status(queued["execution_id"]))["node"]], ["queued", "worker-1"]);

  const done = await eventually(async () => {
    const record = await status(queued["execution_id"]);
    return record["status"] === "completed" ? record : undefined;
  }, 60_000, "the execution to complete once the offer comes back");
  assert.is(done["node"], "worker-2");
  const waitedMs = Date.now() - pulledAt;
  assert.ok(waitedMs >= 29_000, `taken after the ack wait, not before (${waitedMs} ms)`);
  assert.is(gate.arrived("held"), 1, "worker-1's slot held throughout");
});

test.run();
