import { connect, type NatsConnection } from "@nats-io/transport-node";
import { jetstreamManager } from "@nats-io/jetstream";
import { test } from "uvu";
import * as assert from "uvu/assert";
import { JetStreamExecutionStore } from "../src/cluster/jetstream-store.js";
import { CLUSTER_STORE } from "../src/cluster/subjects.js";
import { ClusterRejections, sealFor } from "../src/cluster/index.js";
import { createLogger } from "../src/observability/index.js";
import { eventually } from "./helpers/engine-fixture.js";
import { startNatsServer } from "./helpers/nats-server.js";
import { testTrust } from "./helpers/cluster-key.js";
import { runningRecord } from "./helpers/store-records.js";

// The record view every node keeps of the cluster store's records, against a real nats-server: records that expired,
// and a server killed while a node reads them at its start. A listing must answer, never wait for what cannot come.
const nats = await startNatsServer();
const logger = createLogger({ level: "silent" });
const connections: NatsConnection[] = [];
const OPTIONS = { replicas: 1, retentionMs: 3_600_000, seal: sealFor(testTrust()), rejections: new ClusterRejections(logger) };

async function connection(): Promise<NatsConnection> {
  const nc = await connect({ servers: nats.url, maxReconnectAttempts: -1, reconnectTimeWait: 100 });
  connections.push(nc);
  return nc;
}

async function wipe(): Promise<void> {
  const jsm = await jetstreamManager(await connection());
  for (const name of [`KV_${CLUSTER_STORE.records}`, `KV_${CLUSTER_STORE.claims}`, CLUSTER_STORE.events]) await jsm.streams.delete(name).catch(() => undefined);
}

/** `promise`, or a failure naming `what` once `ms` have passed: a hang fails the test instead of the suite. */
function within<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  return Promise.race([promise, new Promise<T>((_, reject) => setTimeout(() => reject(new Error(`${what}: no answer within ${ms} ms`)), ms).unref())]);
}

test.after(async () => {
  for (const nc of connections) await nc.close().catch(() => undefined);
  await nats.close();
});

test("record view - a node that opens the store after every record expired lists nothing at once (it waited for the last revision forever)", async () => {
  const short = { ...OPTIONS, retentionMs: 1000 };
  const writer = new JetStreamExecutionStore(await connection(), short, logger);
  for (const id of ["x-1", "x-2", "x-3"]) writer.putRecord(runningRecord(id));
  await writer.flush();
  assert.is((await writer.listRecords()).length, 3);
  await writer.close();
  const jsm = await jetstreamManager(await connection());
  await eventually(async () => ((await jsm.streams.info(`KV_${CLUSTER_STORE.records}`)).state.messages === 0 ? true : undefined), 10_000, "the records to expire");
  const reader = new JetStreamExecutionStore(await connection(), short, logger);
  try {
    assert.equal(await within(reader.listRecords(), 5000, "a listing of a store whose records all expired"), []);
    assert.is(await within(reader.getRecord("x-1"), 5000, "a read of an expired record"), undefined);
    // It keeps up with what is written afterwards.
    reader.putRecord(runningRecord("x-4"));
    await reader.flush();
    assert.equal((await within(reader.listRecords(), 5000, "a listing after a new write")).map((r) => r.execution_id), ["x-4"]);
  } finally {
    await reader.close();
    await wipe();
  }
});

test("record view - nats-server SIGKILLed and restarted while a node reads 3,000 records at its start: it opens with all of them and keeps up", async () => {
  const writer = new JetStreamExecutionStore(await connection(), OPTIONS, logger);
  const ids = Array.from({ length: 3000 }, (_, i) => `r-${i}`);
  for (const id of ids) writer.putRecord(runningRecord(id));
  await writer.flush();
  await writer.close();
  const reader = new JetStreamExecutionStore(await connection(), OPTIONS, logger);
  try {
    const listed = reader.listRecords();
    await new Promise((resolve) => setTimeout(resolve, 30));
    await nats.stop("SIGKILL");
    await nats.start();
    assert.is((await within(listed, 60_000, "the first listing across the restart")).length, ids.length);
    reader.putRecord(runningRecord("after-restart"));
    await reader.flush();
    const after = await within(reader.listRecords(), 30_000, "a listing after the restart");
    assert.is(after.length, ids.length + 1);
    assert.ok(after.some((r) => r.execution_id === "after-restart"));
  } finally {
    await reader.close();
    await wipe();
  }
});

test("record view - a store that cannot open on the server (no JetStream there) says so in its health once the bound has passed", async () => {
  const plain = await startNatsServer({ args: () => [] });
  const nc = await connect({ servers: plain.url });
  const store = new JetStreamExecutionStore(nc, { ...OPTIONS, unhealthyAfterMs: 300 }, logger);
  try {
    assert.equal(store.health(), { ready: true }, "not yet: opening takes a moment anywhere");
    await eventually(() => (store.health().ready ? undefined : true), 5000, "the store to say it is not open");
    assert.match(store.health().reason ?? "", /has not opened on JetStream for \d+ s/);
  } finally {
    await store.close();
    await nc.close();
    await plain.close();
  }
});

test.run();
