import { test } from "uvu";
import * as assert from "uvu/assert";
import { jetstreamManager } from "@nats-io/jetstream";
import { connect } from "@nats-io/transport-node";
import { eventually } from "./helpers/engine-fixture.js";
import { post } from "./helpers/gateway-node.js";
import { startQueueCluster } from "./helpers/queue-cluster.js";
import { QUEUE_OFFERS } from "../src/cluster/subjects.js";

type Msg = Record<string, unknown>;

// Dispatch through the offer board (a JetStream work queue, one subject per tags and priority): a full worker offers
// what it queues; a worker with room pulls only what its tags cover, highest priority first, and the board outlives a
// restart of nats-server. A forged offer (no cluster key) is dropped by the node that pulls it.
const cluster = await startQueueCluster("queue-offers");
const { gate, run, status, listed, nats } = cluster;
await cluster.worker("worker-1", "pool,gpu");
const nc = await connect({ servers: nats.url, reconnectTimeWait: 200, maxReconnectAttempts: -1 });

test.after(async () => {
  for (const name of ["held", "high", "low", "gpu", "held-again", "held-5"]) gate.open(name);
  await nc.close();
  await cluster.close();
});

const up = (id: string) => eventually(async () => ((await listed()).some((n) => n.id === id && n.status === "up") ? true : undefined), 30_000, `${id} up`);
/** Offers on the board; -1 while NATS does not answer (restarting). */
const offersWaiting = () =>
  jetstreamManager(nc)
    .then((jsm) => jsm.streams.info(QUEUE_OFFERS.stream))
    .then((info) => info.state.messages, () => -1);
const at = async (execution: Msg) => {
  const record = await status(execution["execution_id"]);
  return [record["status"], record["node"]];
};
/** Waits for its record to say `where` (a step reaches the gate before its record's write lands). */
const reaches = (execution: Msg, where: [string, string]) => eventually(async () => (JSON.stringify(await at(execution)) === JSON.stringify(where) ? true : undefined), 10_000, `${String(execution["execution_id"])} ${where.join(" on ")}`);

test("cluster queue offers - a worker with room takes only what its tags cover, the highest priority first, from offers posted before a nats-server restart", async () => {
  await up("worker-1");
  assert.is((await run({ gate: gate.url, name: "held" }, { target_instance: "worker-1" })).body["status"], "running");
  await eventually(() => (gate.arrived("held") === 1 ? true : undefined), 20_000, "worker-1's slot held");
  const low = (await run({ gate: gate.url, name: "low" }, { target_tags: ["pool"], priority: 1 })).body;
  const high = (await run({ gate: gate.url, name: "high" }, { target_tags: ["pool"], priority: 8 })).body;
  const gpu = (await run({ gate: gate.url, name: "gpu" }, { target_tags: ["gpu"], priority: 9 })).body;
  for (const q of [low, high, gpu]) assert.equal([q["status"], q["node"]], ["queued", "worker-1"]);
  await eventually(async () => ((await offersWaiting()) === 3 ? true : undefined), 20_000, "worker-1 to offer its three queued executions");

  await nats.stop();
  await nats.start();
  await eventually(async () => ((await offersWaiting()) === 3 ? true : undefined), 30_000, "the offers back after the restart");

  // worker-2 carries `pool` only: the priority-8 one first, then the priority-1 one; the gpu one is never its.
  await cluster.worker("worker-2", "pool");
  await eventually(() => (gate.arrived("high") === 1 ? true : undefined), 30_000, "the priority-8 execution to start");
  await reaches(high, ["running", "worker-2"]);
  assert.equal(await at(low), ["queued", "worker-1"]);
  gate.open("high");
  await eventually(() => (gate.arrived("low") === 1 ? true : undefined), 30_000, "the priority-1 execution to start after it");
  await reaches(low, ["running", "worker-2"]);
  gate.open("low");
  await eventually(async () => ((await at(low))[0] === "completed" ? true : undefined), 30_000, "the priority-1 execution to complete");
  // worker-2 is idle now and looks at every turn: the gpu offer stays on the board for a node that fits it.
  await new Promise((resolve) => setTimeout(resolve, 2500));
  assert.equal(await at(gpu), ["queued", "worker-1"]);
  assert.is(gate.arrived("gpu"), 0);

  await cluster.worker("worker-3", "gpu");
  await eventually(() => (gate.arrived("gpu") === 1 ? true : undefined), 30_000, "the gpu execution to start on worker-3");
  await reaches(gpu, ["running", "worker-3"]);
  gate.open("gpu");
  await eventually(async () => ((await at(gpu))[0] === "completed" ? true : undefined), 30_000, "the gpu execution to complete");
  assert.is(gate.arrived("held"), 1, "worker-1's slot was held throughout");
  // What was taken (or started where it was) leaves the board.
  await eventually(async () => ((await offersWaiting()) === 0 ? true : undefined), 20_000, "the board empty");
});

test("cluster queue offers - a forged offer (no cluster key) is dropped by the worker that pulls it, which takes nothing for it", async () => {
  // On a subject with a consumer (worker-1 offered there): worker-2, idle, pulls it at its next look.
  nc.publish(`${QUEUE_OFFERS.prefix}.pool.8`, JSON.stringify({ execution_id: "forged-execution", node: "worker-1" }));
  await eventually(async () => ((await offersWaiting()) === 0 ? true : undefined), 20_000, "the forged offer dropped");
  const metrics = await (await fetch(`${cluster.workers[1]!.url}/metrics`)).text();
  const rejected = [...metrics.matchAll(/^wfx_cluster_rejected_total\{reason="([a-z_]+)"\} (\d+)/gm)].reduce((sum, m) => sum + Number(m[2]), 0);
  assert.ok(rejected >= 1, `worker-2 counts the forged offer as rejected:\n${metrics.split("\n").filter((l) => l.includes("rejected")).join("\n")}`);
  assert.is(gate.arrived("held"), 1);
});

test("cluster queue offers - an offer no node can take is withdrawn once its execution starts where it waited", async () => {
  // Pinned to worker-1: offered under its node id, a tag no node carries.
  const pinned = (await run({ tag: "pinned" }, { target_instance: "worker-1" })).body;
  assert.equal([pinned["status"], pinned["node"]], ["queued", "worker-1"]);
  await eventually(async () => ((await offersWaiting()) === 1 ? true : undefined), 20_000, "worker-1 to offer it");
  await new Promise((resolve) => setTimeout(resolve, 1500));
  assert.equal(await at(pinned), ["queued", "worker-1"], "no other worker took it");
  gate.open("held");
  await eventually(async () => ((await at(pinned))[0] === "completed" ? true : undefined), 30_000, "it completes on worker-1");
  assert.is((await at(pinned))[1], "worker-1");
  await eventually(async () => ((await offersWaiting()) === 0 ? true : undefined), 20_000, "its offer withdrawn");
});

test("cluster queue offers - an execution queued while NATS is away is offered once it is back, and taken by a worker with room", async () => {
  assert.is((await run({ gate: gate.url, name: "held-again" }, { target_instance: "worker-1" })).body["status"], "running");
  await eventually(() => (gate.arrived("held-again") === 1 ? true : undefined), 20_000, "worker-1's slot held again");
  await nats.stop();
  // Sent to worker-1 itself: it queues it (full) and its offer cannot be posted; the answer waits for its record to be stored.
  const answer = post(cluster.workers[0]!.url, "execute_workflow", { workflow_name: "work", input_data: { tag: "offline" }, execution_mode: "async" });
  await new Promise((resolve) => setTimeout(resolve, 3000));
  await nats.start();
  const queued = (await answer).body;
  assert.equal([queued["status"], queued["node"]], ["queued", "worker-1"], JSON.stringify(queued));
  await eventually(async () => ((await at(queued))[0] === "completed" ? true : undefined), 30_000, "it to complete on a worker with room");
  assert.ok(["worker-2", "worker-3"].includes(String((await at(queued))[1])), "taken by worker-2 or worker-3 (both carry what it needs: nothing)");
  assert.is(gate.arrived("held-again"), 1, "worker-1's slot held throughout");
  gate.open("held-again");
});

test("cluster queue offers - a gateway shows a queued execution's place and reason as the node holding it knows them now", async () => {
  assert.is((await run({ gate: gate.url, name: "held-5" }, { target_instance: "worker-1" })).body["status"], "running");
  await eventually(() => (gate.arrived("held-5") === 1 ? true : undefined), 20_000, "worker-1's slot held");
  const first = (await run({ tag: "first" }, { target_instance: "worker-1" })).body;
  const second = (await run({ tag: "second" }, { target_instance: "worker-1" })).body;
  assert.equal((second["queue"] as Msg)["position"], 2, JSON.stringify(second));
  const cancelled = await post(cluster.gateway.url, "cancel_execution", { execution_id: first["execution_id"] });
  assert.is(cancelled.body["cancelled"], true, JSON.stringify(cancelled.body));
  // Stored at position 2; worker-1's line has moved: the gateway (which holds nothing) asks it.
  const shown = await status(second["execution_id"]);
  assert.equal([shown["status"], (shown["queue"] as Msg)["position"], (shown["queue"] as Msg)["reason"]], ["queued", 1, "node at capacity 1/1"], JSON.stringify(shown));
  assert.is((shown["progress"] as Msg)["message"], "Queued at position 1: node at capacity 1/1");
  gate.open("held-5");
  await eventually(async () => ((await at(second))[0] === "completed" ? true : undefined), 30_000, "the second to complete on worker-1");
});

test.run();
