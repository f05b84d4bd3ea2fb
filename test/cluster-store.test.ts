import { connect, type NatsConnection } from "@nats-io/transport-node";
import { jetstreamManager } from "@nats-io/jetstream";
import { test } from "uvu";
import * as assert from "uvu/assert";
import { JetStreamExecutionStore } from "../src/cluster/jetstream-store.js";
import { CLUSTER_STORE } from "../src/cluster/subjects.js";
import type { ExecutionEvent, ExecutionStore } from "../src/engine/types.js";
import { createLogger } from "../src/observability/index.js";
import { eventually } from "./helpers/engine-fixture.js";
import { startNatsServer } from "./helpers/nats-server.js";
import { testTrust } from "./helpers/cluster-key.js";
import { ClusterRejections, sealFor } from "../src/cluster/index.js";
import { storeContract } from "./helpers/store-contract.js";
import { runningRecord } from "./helpers/store-records.js";

const nats = await startNatsServer();
const logger = createLogger({ level: "silent" });
const connections: NatsConnection[] = [];
const OPTIONS = { replicas: 1, retentionMs: 3_600_000, seal: sealFor(testTrust()), rejections: new ClusterRejections(logger) };

async function connection(): Promise<NatsConnection> {
  const nc = await connect({ servers: nats.url });
  connections.push(nc);
  return nc;
}

/** Each contract test starts from an empty cluster store: its buckets and stream are deleted after it. */
async function wipe(): Promise<void> {
  const jsm = await jetstreamManager(await connection());
  for (const name of [`KV_${CLUSTER_STORE.records}`, `KV_${CLUSTER_STORE.claims}`, CLUSTER_STORE.events]) await jsm.streams.delete(name).catch(() => undefined);
}

storeContract("jetstream", async () => ({ store: new JetStreamExecutionStore(await connection(), OPTIONS, logger), cleanup: wipe }));

storeContract("jetstream (--insecure-cluster: values unsealed)", async () => ({ store: new JetStreamExecutionStore(await connection(), { ...OPTIONS, seal: sealFor({ mode: "insecure" }) }, logger), cleanup: wipe }));

storeContract("jetstream (read back through another node's store)", async () => {
  // Every read goes through a second store on its own connection, as another node would read it.
  const writer = new JetStreamExecutionStore(await connection(), OPTIONS, logger);
  await writer.flush();
  const reader = new JetStreamExecutionStore(await connection(), OPTIONS, logger);
  const settled = () => writer.flush();
  const store: ExecutionStore = {
    putRecord: (r) => writer.putRecord(r),
    appendEvent: (e) => writer.appendEvent(e),
    getRecord: async (id) => (await settled(), reader.getRecord(id)),
    getEvents: async (id, after) => (await settled(), reader.getEvents(id, after)),
    listRecords: async (q) => (await settled(), reader.listRecords(q)),
    claim: (n, v) => reader.claim(n, v),
    release: (n) => writer.release(n),
    flush: () => writer.flush(),
    close: async () => (await writer.close(), reader.close()),
  };
  return { store, cleanup: wipe };
});

test.after(async () => {
  for (const nc of connections) await nc.close().catch(() => undefined);
  await nats.close();
});

test("cluster store - another node's store sees events live as they are appended, and reads them back in order", async () => {
  const writer = new JetStreamExecutionStore(await connection(), OPTIONS, logger);
  const watcher = new JetStreamExecutionStore(await connection(), OPTIONS, logger);
  await Promise.all([writer.flush(), watcher.flush()]);
  const seen: number[] = [];
  const unsubscribe = watcher.subscribe("live-1", (event) => seen.push(event.seq));
  await (connections.at(-1)!).flush();
  writer.putRecord(runningRecord("live-1"));
  for (let seq = 1; seq <= 20; seq++) writer.appendEvent({ execution_id: "live-1", seq, type: "step.progress", time: Date.now() } satisfies ExecutionEvent);
  await eventually(async () => (seen.length === 20 ? true : undefined), 5000, "20 live events");
  assert.equal(seen, Array.from({ length: 20 }, (_, i) => i + 1));
  await writer.flush();
  assert.equal((await watcher.getEvents("live-1", 15)).map((e) => e.seq), [16, 17, 18, 19, 20]);
  assert.is((await watcher.getRecord("live-1"))?.status, "running");
  unsubscribe();
  await writer.close();
  await watcher.close();
});

test("cluster store - a log of more messages than direct gets read reads whole, from any point, on another node", async () => {
  const writer = new JetStreamExecutionStore(await connection(), OPTIONS, logger);
  const reader = new JetStreamExecutionStore(await connection(), OPTIONS, logger);
  writer.putRecord(runningRecord("long-1"));
  // One stream message per event (each flushed alone, so none are group-committed): 80 messages, past the 32 direct gets.
  for (let seq = 1; seq <= 80; seq++) {
    writer.appendEvent({ execution_id: "long-1", seq, type: "step.progress", time: Date.now() } satisfies ExecutionEvent);
    await writer.flush();
  }
  const seqs = async (after: number) => (await reader.getEvents("long-1", after)).map((e) => e.seq);
  const from = (first: number) => Array.from({ length: 81 - first }, (_, i) => first + i);
  assert.equal(await seqs(0), from(1));
  assert.equal(await seqs(10), from(11));
  assert.equal(await seqs(60), from(61));
  assert.equal(await seqs(80), []);
  await writer.close();
  await reader.close();
});

test("cluster store - a final record is not put while its execution's events have not landed: never ended without its end event", async () => {
  const writer = new JetStreamExecutionStore(await connection(), OPTIONS, logger);
  const reader = new JetStreamExecutionStore(await connection(), OPTIONS, logger);
  writer.putRecord(runningRecord("final-1"));
  writer.appendEvent({ execution_id: "final-1", seq: 1, type: "execution.started", time: Date.now() });
  await writer.flush();
  // The event log unavailable (its stream no longer takes the subjects, its messages kept): appends fail and are sent again.
  const jsm = await jetstreamManager(await connection());
  await jsm.streams.update(CLUSTER_STORE.events, { subjects: ["wfx.parked.>"] });
  writer.appendEvent({ execution_id: "final-1", seq: 2, type: "execution.completed", time: Date.now() });
  writer.putRecord(runningRecord("final-1", { status: "completed" }));
  // A later put on the same connection: once the reader sees it, a final put made before it would have landed too.
  writer.putRecord(runningRecord("marker-1"));
  await eventually(async () => ((await reader.getRecord("marker-1")) !== undefined ? true : undefined), 5000, "the marker record");
  assert.is((await reader.getRecord("final-1"))?.status, "running", "the final record waits for its end event");
  await jsm.streams.update(CLUSTER_STORE.events, { subjects: [`${CLUSTER_STORE.eventsPrefix}.>`] });
  await eventually(async () => ((await reader.getRecord("final-1"))?.status === "completed" ? true : undefined), 15_000, "the final record, once its events landed");
  assert.equal((await reader.getEvents("final-1", 0)).map((e) => e.type), ["execution.started", "execution.completed"]);
  await writer.close();
  await reader.close();
});

test("cluster store - a flush waits for a final record that waited for its events: read from another node right after, every execution is ended", async () => {
  // A cancel, and every answer that waits for the writes so far, relies on this; the record went a turn after the flush returned.
  const writer = new JetStreamExecutionStore(await connection(), OPTIONS, logger);
  const reader = new JetStreamExecutionStore(await connection(), OPTIONS, logger);
  const stale: string[] = [];
  try {
    for (let i = 0; i < 20; i++) {
      const id = `flushed-${i}`;
      writer.putRecord(runningRecord(id));
      writer.appendEvent({ execution_id: id, seq: 1, type: "execution.started", time: Date.now() });
      await writer.flush();
      writer.appendEvent({ execution_id: id, seq: 2, type: "execution.cancelled", time: Date.now() });
      writer.putRecord(runningRecord(id, { status: "cancelled" }));
      await writer.flush();
      if ((await reader.getRecord(id))?.status !== "cancelled") stale.push(id);
    }
    assert.equal(stale, [], "ended executions read as still running after the flush");
  } finally {
    await writer.close();
    await reader.close();
  }
});

test("cluster store - of ten nodes claiming one name at once, exactly one wins and the others see its value", async () => {
  const stores = await Promise.all(Array.from({ length: 10 }, async () => new JetStreamExecutionStore(await connection(), OPTIONS, logger)));
  const answers = await Promise.all(stores.map((store, i) => store.claim("adopt/x/1", { node: `n${i}` })));
  const winners = answers.filter((a) => a === undefined);
  assert.is(winners.length, 1);
  const winner = `n${answers.indexOf(undefined)}`;
  assert.ok(answers.every((a) => a === undefined || a["node"] === winner));
  for (const store of stores) await store.close();
});

test("cluster store - writes made before NATS is reached are kept and land once it is", async () => {
  let reach!: (nc: NatsConnection) => void;
  const later = new Promise<NatsConnection>((resolve) => (reach = resolve));
  const store = new JetStreamExecutionStore(later, OPTIONS, logger);
  store.putRecord(runningRecord("early-1"));
  store.appendEvent({ execution_id: "early-1", seq: 1, type: "execution.started", time: Date.now() });
  assert.is((await store.getRecord("early-1"))?.execution_id, "early-1", "its own writes are read before NATS");
  reach(await connection());
  await store.flush();
  const other = new JetStreamExecutionStore(await connection(), OPTIONS, logger);
  assert.is((await other.getRecord("early-1"))?.status, "running");
  assert.equal((await other.getEvents("early-1")).map((e) => e.type), ["execution.started"]);
  await store.close();
  await other.close();
});

test("cluster store - a nats-server restart loses no acknowledged write, and writes during it land after", async () => {
  const store = new JetStreamExecutionStore(await connection(), OPTIONS, logger);
  store.putRecord(runningRecord("restart-1"));
  store.appendEvent({ execution_id: "restart-1", seq: 1, type: "execution.started", time: Date.now() });
  await store.flush();
  await nats.stop();
  store.appendEvent({ execution_id: "restart-1", seq: 2, type: "step.progress", time: Date.now() });
  store.putRecord(runningRecord("restart-1", { status: "completed" }));
  await nats.start();
  await store.flush();
  const other = new JetStreamExecutionStore(await connection(), OPTIONS, logger);
  assert.is((await other.getRecord("restart-1"))?.status, "completed");
  assert.equal((await other.getEvents("restart-1")).map((e) => e.seq), [1, 2]);
  await store.close();
  await other.close();
});

test.run();
