import { test } from "uvu";
import * as assert from "uvu/assert";
import { eventually } from "./helpers/engine-fixture.js";
import { post } from "./helpers/gateway-node.js";
import { startQueueCluster } from "./helpers/queue-cluster.js";
import { testWire } from "./helpers/cluster-key.js";
import { connect } from "@nats-io/transport-node";
import { handoverSubject } from "../src/cluster/subjects.js";

type Msg = Record<string, unknown>;

// The queue across the cluster: executions queued on a full worker start on another worker that has room as soon as
// it has it (it asks the holder to let them go), not when the first worker frees up; one pinned to the full worker stays.
const cluster = await startQueueCluster("queue-balance");
const { gate, run, status, listed } = cluster;
await cluster.worker("worker-1");

test.after(async () => {
  gate.open("held");
  await cluster.close();
});

test("cluster queue - executions queued on a full worker start on a worker that comes up with room, while the first stays full", async () => {
  await eventually(async () => ((await listed()).some((n) => n.id === "worker-1" && n.status === "up") ? true : undefined), 30_000, "worker-1 up");
  assert.is((await run({ gate: gate.url, name: "held" }, { target_instance: "worker-1" })).body["status"], "running");
  await eventually(() => (gate.arrived("held") === 1 ? true : undefined), 20_000, "worker-1's slot held");
  const queued: Msg[] = [];
  for (let i = 0; i < 4; i++) queued.push((await run({ tag: `q${i}` }, { target_tags: ["pool"] })).body);
  const pinned = (await run({ tag: "pinned" }, { target_instance: "worker-1" })).body;
  assert.equal([...queued, pinned].map((q) => [q["status"], q["node"]]), Array.from({ length: 5 }, () => ["queued", "worker-1"]));

  // A second worker comes up with room: it takes the queued ones over, one at a time, while worker-1 stays held.
  await cluster.worker("worker-2");
  for (const q of queued) {
    const record = await eventually(async () => {
      const r = await status(q["execution_id"]);
      return r["status"] === "completed" ? r : undefined;
    }, 30_000, `${String(q["execution_id"])} to complete on worker-2`);
    assert.is(record["node"], "worker-2");
  }
  assert.is(gate.arrived("held"), 1, "worker-1's slot was never freed");
  const stillPinned = await status(pinned["execution_id"]);
  assert.equal([stillPinned["status"], stillPinned["node"]], ["queued", "worker-1"], "the execution pinned to worker-1 waits for it");
  const events = (await post(cluster.gateway.url, "watch_execution", { execution_id: queued[0]!["execution_id"], after_seq: 0, wait: 0 })).body["events"] as { seq: number; type: string }[];
  assert.equal(events.map((e) => e.seq), events.map((_, i) => i + 1), "one gapless log across the handover");
  assert.equal(events.filter((e) => e.type === "execution.completed").length, 1);

  gate.open("held");
  await eventually(async () => ((await status(pinned["execution_id"]))["status"] === "completed" ? true : undefined), 30_000, "the pinned one to complete on worker-1");
  assert.is((await status(pinned["execution_id"]))["node"], "worker-1");
});

test("cluster queue - an execution let go to a node that then never takes it goes back in its holder's line", async () => {
  // worker-1 held again; one queued on it (worker-2 is full too, so no real taker asks first).
  assert.is((await run({ gate: gate.url, name: "held-2" }, { target_instance: "worker-1" })).body["status"], "running");
  assert.is((await run({ gate: gate.url, name: "held-2" }, { target_instance: "worker-2" })).body["status"], "running");
  await eventually(() => (gate.arrived("held-2") === 2 ? true : undefined), 20_000, "both workers' slots held");
  const queued = (await run({ tag: "left" }, { target_instance: "worker-1" })).body;
  assert.equal([queued["status"], queued["node"]], ["queued", "worker-1"]);
  // A cluster member (it has the key) asks for it and dies before claiming it.
  const nc = await connect({ servers: cluster.nats.url });
  const answer = await testWire(nc).request(handoverSubject("worker-1"), new TextEncoder().encode(JSON.stringify({ executionId: queued["execution_id"] })), { timeout: 10_000, encrypt: true });
  await nc.close();
  assert.equal(JSON.parse(new TextDecoder().decode(answer)), { released: true });
  await eventually(() => (/back in this node's line/.test(cluster.workers[0]!.stderr()) ? true : undefined), 30_000, "worker-1 to take it back");
  gate.open("held-2");
  await eventually(async () => ((await status(queued["execution_id"]))["status"] === "completed" ? true : undefined), 30_000, "it completes on worker-1");
  assert.is((await status(queued["execution_id"]))["node"], "worker-1");
});

test.run();
