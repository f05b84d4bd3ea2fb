import { test } from "uvu";
import * as assert from "uvu/assert";
import { eventually } from "./helpers/engine-fixture.js";
import { post } from "./helpers/gateway-node.js";
import { startQueueCluster } from "./helpers/queue-cluster.js";

type Msg = Record<string, unknown>;

// Two workers of capacity 1 behind a gateway node: one dies for good with executions queued on it, and the other
// takes them up from the cluster store once it sees it down.
const cluster = await startQueueCluster("queue-takeover");
const { gate, gateway, workers, run, status } = cluster;
await cluster.worker("worker-1");
await cluster.worker("worker-2");

test.after(() => cluster.close());

test("cluster queue - a worker that dies for good leaves its queued executions to another that fits: all complete", async () => {
  await eventually(async () => {
    const listed = (await post(gateway.url, "list_nodes", {})).body["nodes"] as { id: string; status: string }[] | undefined;
    return ["worker-1", "worker-2"].every((id) => listed?.some((n) => n.id === id && n.status === "up")) ? true : undefined;
  }, 30_000, "both workers up");
  for (const id of ["worker-1", "worker-2"]) assert.is((await run({ gate: gate.url, name: "held" }, { target_instance: id })).body["status"], "running");
  await eventually(() => (gate.arrived("held") === 2 ? true : undefined), 20_000, "both workers' slots to be held");
  // The gateway places by what it has heard: both full in its view, so neither looks like the only one with room.
  await eventually(async () => {
    const listed = (await post(gateway.url, "list_nodes", {})).body["nodes"] as { id: string; load?: number }[] | undefined;
    return ["worker-1", "worker-2"].every((id) => (listed?.find((n) => n.id === id)?.load ?? 0) >= 1) ? true : undefined;
  }, 20_000, "the gateway to see both workers full");
  // Queued where placement sends them (both full: either); enough that worker-1 holds some.
  const queued: Msg[] = [];
  while (queued.filter((q) => q["node"] === "worker-1").length < 3) {
    const answer = (await run({ tag: "q" }, { target_tags: ["pool"] })).body;
    assert.is(answer["status"], "queued", JSON.stringify(answer));
    queued.push(answer);
    assert.ok(queued.length < 40, `placement never chose worker-1: ${queued.map((q) => String(q["node"])).join(" ")}`);
  }
  await workers[0]!.kill("SIGKILL");
  gate.open("held");
  for (const q of queued) {
    const record = await eventually(async () => {
      const r = await status(q["execution_id"]);
      return r["status"] === "completed" ? r : undefined;
    }, 60_000, `${String(q["execution_id"])} (queued on ${String(q["node"])}) to complete`);
    assert.is(record["node"], "worker-2");
  }
});

test.run();
