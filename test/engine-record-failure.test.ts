import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "uvu";
import * as assert from "uvu/assert";
import { EmbeddedExecutionStore, MemoryExecutionStore, Runtime, TERMINAL_EVENT_TYPES, type ExecutionEvent, type ExecutionMode, type ExecutionRecord, type ExecutionStore } from "../src/engine/index.js";
import type { LocalActorSystem } from "../src/actors/index.js";
import { eventually, FIXTURES, loadSource, memoryRuntime } from "./helpers/engine-fixture.js";

const source = await loadSource(join(FIXTURES, "limits", "workflows.yaml"));
const deepInput = (depth: number): unknown => JSON.parse("[".repeat(depth) + "]".repeat(depth));

/** A memory store that throws on the writes `fails` picks, as a full disk or a broken store would. */
class FailingStore extends MemoryExecutionStore {
  constructor(readonly fails: { put?: boolean; append?: (event: ExecutionEvent) => boolean }) {
    super();
  }
  override putRecord(record: ExecutionRecord): void {
    if (this.fails.put) throw new Error("disk on fire");
    super.putRecord(record);
  }
  override appendEvent(event: ExecutionEvent): void {
    if (this.fails.append?.(event)) throw new Error("disk on fire");
    super.appendEvent(event);
  }
}

/** The stored events end with exactly one terminal event, numbered without gaps. */
async function assertEventsSettled(store: ExecutionStore, id: string): Promise<void> {
  const events = await store.getEvents(id);
  assert.equal(events.map((e) => e.seq), events.map((_, i) => i + 1), "no gaps");
  assert.equal(events.filter((e) => TERMINAL_EVENT_TYPES.has(e.type)).map((e) => e.type), ["execution.failed"]);
  assert.is(events.at(-1)!.type, "execution.failed");
}

test("record failure - a step output nested 10,000 deep fails the execution, and the stored record has a marker in its place", async () => {
  const store = new MemoryExecutionStore();
  const runtime = memoryRuntime(store);
  const record = await runtime.execute({ source, workflowName: "deep_output" });
  assert.is(record.status, "failed");
  assert.is(record.error?.code, "WFX_RECORD_FAILED");
  assert.match(record.error!.message, "the output of step 'dig' cannot be serialised as JSON: nested too deeply");
  assert.match(record.error!.hint!, "[not stored: …]");
  assert.match(String(record.steps[0]!.output), /^\[not stored: the output of step 'dig' cannot be serialised as JSON/);
  const stored = await store.getRecord(record.execution_id);
  assert.equal([stored?.status, stored?.error?.code, stored?.steps[0]!.output], ["failed", "WFX_RECORD_FAILED", record.steps[0]!.output]);
  assert.equal((await runtime.status(record.execution_id))?.status, "failed");
  await assertEventsSettled(store, record.execution_id);
  // The recorder ended the execution and stopped its supervisor: once its actors are gone, nothing more can come.
  await eventually(() => (runtime.system as LocalActorSystem).actorCount === 0 || undefined, 5000, "the stopped supervisor's actors to be gone");
  await assertEventsSettled(store, record.execution_id);
  assert.is((await store.getRecord(record.execution_id))?.status, "failed", "the cancelled supervisor's later events change nothing");
  assert.equal(runtime.recorder.liveIds(), []);
  await runtime.close();
});

test("record failure - the embedded store keeps the failed record on disk, readable by a store opened later", async () => {
  const dataDir = await mkdtemp(join(tmpdir(), "wfx-record-failure-"));
  const runtime = new Runtime({ store: await EmbeddedExecutionStore.open({ dataDir }), nodeId: "test-node" });
  const record = await runtime.execute({ source, workflowName: "deep_output" });
  assert.equal([record.status, record.error?.code], ["failed", "WFX_RECORD_FAILED"]);
  await runtime.close();
  const reopened = await EmbeddedExecutionStore.open({ dataDir });
  const stored = await reopened.getRecord(record.execution_id);
  assert.equal([stored?.status, stored?.error?.code], ["failed", "WFX_RECORD_FAILED"]);
  assert.match(String(stored?.steps[0]!.output), "[not stored: the output of step 'dig'");
  await assertEventsSettled(reopened, record.execution_id);
  await reopened.close();
  await rm(dataDir, { recursive: true, force: true });
});

test("record failure - a BigInt output fails the execution with a message that says so", async () => {
  const runtime = memoryRuntime();
  const record = await runtime.execute({ source, workflowName: "bigint_output" });
  assert.equal([record.status, record.error?.code], ["failed", "WFX_RECORD_FAILED"]);
  assert.match(record.error!.message, "the output of step 'big' cannot be serialised as JSON: Do not know how to serialize a BigInt");
  assert.equal((await runtime.status(record.execution_id))?.status, "failed");
  await runtime.close();
});

test("record failure - an input nested 5,000 deep settles sync, async and isolated executions, and status finds each", async () => {
  const store = new MemoryExecutionStore();
  const runtime = memoryRuntime(store);
  for (const mode of ["sync", "async", "isolated"] as ExecutionMode[]) {
    const started = runtime.start({ source, workflowName: "each_item", input: deepInput(5000), mode });
    const record = await started.done;
    assert.equal([mode, record.status, record.error?.code], [mode, "failed", "WFX_RECORD_FAILED"]);
    assert.match(record.error!.message, "input_data cannot be serialised as JSON: nested too deeply");
    const stored = await store.getRecord(started.executionId);
    assert.equal([stored?.status, stored?.input], ["failed", record.input]);
    assert.match(String(stored?.input), /^\[not stored: input_data/);
  }
  await runtime.close();
});

test("record failure - a store that refuses writes still settles the execution, and this process answers its status", async () => {
  for (const fails of [{ put: true }, { append: (e: ExecutionEvent) => e.type === "step.completed" }, { append: () => true }]) {
    const runtime = memoryRuntime(new FailingStore(fails));
    const record = await runtime.execute({ source, workflowName: "each_item", input: { items: [1, 2] } });
    assert.equal([record.status, record.error?.code], ["failed", "WFX_RECORD_FAILED"]);
    assert.match(record.error!.message, "the execution store refused it: disk on fire");
    assert.match(record.error!.hint!, "check the execution store");
    assert.is((await runtime.status(record.execution_id))?.status, "failed");
    await runtime.close();
  }
});

test("record failure - a watcher that throws is dropped; the execution still completes and answers", async () => {
  const runtime = memoryRuntime();
  const record = await runtime.execute({ source, workflowName: "each_item", input: { items: [1, 2, 3] }, onEvent: () => { throw new Error("watcher bug"); } });
  assert.equal([record.status, record.result], ["completed", [1, 2, 3]]);
  await runtime.close();
});

test.run();
