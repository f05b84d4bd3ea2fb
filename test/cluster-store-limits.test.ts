import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { connect, type NatsConnection } from "@nats-io/transport-node";
import { jetstreamManager } from "@nats-io/jetstream";
import { test } from "uvu";
import * as assert from "uvu/assert";
import { JetStreamExecutionStore } from "../src/cluster/jetstream-store.js";
import { CLUSTER_STORE } from "../src/cluster/subjects.js";
import { createLogger } from "../src/observability/index.js";
import { ClusterRejections, sealFor } from "../src/cluster/index.js";
import { eventually } from "./helpers/engine-fixture.js";
import { startNatsServer } from "./helpers/nats-server.js";
import { testTrust } from "./helpers/cluster-key.js";
import { runningRecord } from "./helpers/store-records.js";

// The cluster store's bounds, on a nats-server whose messages may carry at most 64 KiB: a record that can never fit is
// stored smaller at once (never retried forever), and writes that keep failing make the store say so.
const nats = await startNatsServer({
  args: (dir) => {
    const config = join(dir, "server.conf");
    writeFileSync(config, `max_payload: 65536\njetstream { store_dir: "${dir}" }\n`);
    return ["-c", config];
  },
});
const logger = createLogger({ level: "silent" });
const connections: NatsConnection[] = [];
const OPTIONS = { replicas: 1, retentionMs: 3_600_000, seal: sealFor(testTrust()), rejections: new ClusterRejections(logger), unhealthyAfterMs: 300 };

async function store(): Promise<JetStreamExecutionStore> {
  const nc = await connect({ servers: nats.url });
  connections.push(nc);
  return new JetStreamExecutionStore(nc, OPTIONS, logger);
}

test.after(async () => {
  for (const nc of connections) await nc.close();
  await nats.close();
});

test("cluster store - a record larger than a message may be is stored at once with its largest values as markers; smaller ones stay", async () => {
  const writer = await store();
  const reader = await store();
  await writer.flush();
  const big = (n: number) => "x".repeat(n);
  const record = runningRecord("big-1", { status: "completed", result: { small: true } });
  record.steps = [
    { id: "a", status: "completed", attempts: 1, output: big(30_000) },
    { id: "b", status: "completed", attempts: 1, output: big(40_000) },
    { id: "c", status: "completed", attempts: 1, output: "kept" },
  ] as typeof record.steps;
  writer.putRecord(record);
  await Promise.race([writer.flush(), new Promise((_, reject) => setTimeout(() => reject(new Error("the put never landed")), 10_000))]);
  const stored = await reader.getRecord("big-1");
  assert.is(stored?.status, "completed");
  const outputs = stored!.steps.map((s) => s.output);
  assert.match(String(outputs[1]), /^\[not stored in the record: the output of step 'b' is 40002 bytes as JSON/);
  assert.is(outputs[0], big(30_000), "the smaller large output still fits once the largest is out");
  assert.is(outputs[2], "kept");
  assert.equal(stored!.result, { small: true });
  assert.is(record.steps[1]!.output, big(40_000), "the caller's record is not changed");
  assert.ok(writer.health().ready);
  await writer.close();
  await reader.close();
});

test("cluster store - appends that keep failing make the store unhealthy with the reason; healthy again once they land", async () => {
  const writer = await store();
  writer.appendEvent({ execution_id: "h-1", seq: 1, type: "execution.started", time: Date.now() });
  await writer.flush();
  const nc = await connect({ servers: nats.url });
  connections.push(nc);
  const jsm = await jetstreamManager(nc);
  // The event log unavailable (its stream no longer takes the subjects): appends fail and are sent again, backing off.
  await jsm.streams.update(CLUSTER_STORE.events, { subjects: ["wfx.parked.>"] });
  writer.appendEvent({ execution_id: "h-1", seq: 2, type: "execution.completed", time: Date.now() });
  const unhealthy = await eventually(() => {
    const health = writer.health();
    return health.ready ? undefined : health;
  }, 15_000, "the store to say its writes fail");
  assert.match(unhealthy.reason ?? "", /^cluster store writes have failed for \d+ s \(1 executions waiting, held in memory and retried\): /);
  await jsm.streams.update(CLUSTER_STORE.events, { subjects: [`${CLUSTER_STORE.eventsPrefix}.>`] });
  await eventually(() => (writer.health().ready ? true : undefined), 20_000, "the store healthy again");
  assert.equal((await writer.getEvents("h-1", 0)).map((e) => e.type), ["execution.started", "execution.completed"]);
  await writer.close();
});

test.run();
