import { test } from "uvu";
import * as assert from "uvu/assert";
import { spawn, spawnSync } from "node:child_process";
import { once } from "node:events";
import { ClusterExecutionLocator } from "../src/cluster/cluster-locator.js";
import { openEngineFixture } from "./helpers/engine-fixture.js";
import { runningRecord } from "./helpers/store-records.js";

const { source, runtime, close } = await openEngineFixture();
/** A process that lives while the tests run: an owner on this machine that is not this process. */
const neighbour = spawn(process.execPath, ["-e", "setInterval(() => {}, 1000)"], { stdio: "ignore" });
/** A pid whose process has ended: a dead owner. */
const deadPid = spawnSync(process.execPath, ["-e", ""]).pid;

test.after(async () => {
  neighbour.kill("SIGKILL");
  await once(neighbour, "exit");
  await close();
});

test("locator - an execution running here is located here, and ended once it is cancelled", async () => {
  const started = runtime.start({ source, workflowName: "slow_execution", mode: "async", timeoutS: 30 });
  assert.equal(runtime.locator.knownHere(started.executionId), { where: "here" });
  assert.equal(await runtime.locator.locate(started.executionId), { where: "here" });
  const cancelled = await runtime.cancel(started.executionId);
  assert.is(cancelled.status, "cancelled");
  await runtime.persisted();
  const after = await runtime.locator.locate(started.executionId);
  assert.is(after.where, "ended");
  assert.is(runtime.locator.knownHere(started.executionId), undefined, "nothing runs it here any more");
});

test("locator - an id nobody knows is unknown", async () => {
  assert.equal(await runtime.locator.locate("no-such-execution"), { where: "unknown" });
});

test("locator - a running record owned by a live process elsewhere on the machine runs in that process", async () => {
  runtime.store.putRecord(runningRecord("owned-by-neighbour", { pid: neighbour.pid! }));
  await runtime.persisted();
  const at = await runtime.locator.locate("owned-by-neighbour");
  assert.is(at.where, "process");
});

test("locator - a running record whose owner died is an orphan", async () => {
  runtime.store.putRecord(runningRecord("owned-by-the-dead", { pid: deadPid }));
  await runtime.persisted();
  const at = await runtime.locator.locate("owned-by-the-dead");
  assert.is(at.where, "orphaned");
});

test("locator - in a cluster, a live owner on another node is that node; this node's own record stays the engine's answer", () => {
  const cluster = new ClusterExecutionLocator(runtime.locator, runtime.store, "self-node");
  const other = runningRecord("on-n1", { pid: neighbour.pid!, node: "n1" });
  assert.equal(cluster.locateStored(other), { where: "node", node: "n1", record: other });
  const own = runningRecord("on-self", { pid: neighbour.pid!, node: "self-node" });
  assert.is(cluster.locateStored(own).where, "process");
  assert.is(cluster.locateStored(runningRecord("dead-on-n1", { pid: deadPid, node: "n1" })).where, "orphaned", "a dead owner's execution is nobody's: it is adopted, not asked");
});

test.run();
