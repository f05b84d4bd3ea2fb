import { test } from "uvu";
import * as assert from "uvu/assert";
import { MemoryExecutionStore, createRecord } from "../src/engine/index.js";

function record(id: string, status: "running" | "completed") {
  const r = createRecord({ executionId: id, workflowName: "w", mode: "sync", node: "n", stepIds: ["a"], startMs: 1000 });
  r.status = status;
  return r;
}

test("store - the memory store forgets the oldest finished executions beyond its bound, never running ones", async () => {
  const store = new MemoryExecutionStore({ maxExecutions: 3 });
  store.putRecord(record("running-1", "running"));
  for (let i = 0; i < 5; i++) {
    store.putRecord(record(`done-${i}`, "completed"));
    store.appendEvent({ execution_id: `done-${i}`, seq: 1, type: "execution.completed", time: 1 });
  }
  assert.ok(await store.getRecord("running-1"), "a running execution is kept");
  assert.is(await store.getRecord("done-0"), undefined);
  assert.is(await store.getRecord("done-2"), undefined);
  assert.equal(await store.getEvents("done-1"), []);
  assert.ok(await store.getRecord("done-3"));
  assert.ok(await store.getRecord("done-4"));
  assert.is((await store.listRecords()).length, 3);
});

test.run();
