import { test } from "uvu";
import * as assert from "uvu/assert";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { EmbeddedExecutionStore, Runtime } from "../src/engine/index.js";
import { copyFixture, eventually, loadSource } from "./helpers/engine-fixture.js";

const fixture = copyFixture("engine");
const dataDir = mkdtempSync(join(tmpdir(), "wfx-restart-"));

test.after(() => {
  fixture.cleanup();
  rmSync(dataDir, { recursive: true, force: true });
});

async function openRuntime(): Promise<Runtime> {
  return new Runtime({ store: await EmbeddedExecutionStore.open({ dataDir }), nodeId: "restart-node", dataDir });
}

test("restart - records and events written by one runtime are read back by the next; shutdown leaves nothing running", async () => {
  const source = await loadSource(join(fixture.dir, "workflows.yaml"));
  const first = await openRuntime();
  const done = await first.execute({ source, workflowName: "retrying" });
  assert.is(done.status, "completed");
  const hanging = await first.execute({ source, workflowName: "hang", input: { report: join(fixture.dir, "restart.json") }, mode: "async" });
  await eventually(() => first.recorder.peek(hanging.execution_id)?.steps[0]!.status === "running", 5000, "step running");
  await first.close();

  const second = await openRuntime();
  try {
    const again = await second.status(done.execution_id);
    assert.ok(again, "the completed record survives the restart");
    assert.is(again!.status, "completed");
    assert.equal(again!.result, { attempt: 2 });
    assert.is(again!.steps[0]!.attempts, 2);
    const events = await second.options.store.getEvents(done.execution_id);
    assert.is(events[0]!.type, "execution.started");
    assert.is(events.at(-1)!.type, "execution.completed");
    assert.ok(events.some((e) => e.type === "step.retrying"));
    const stopped = await second.status(hanging.execution_id);
    assert.is(stopped!.status, "cancelled", "an execution running at shutdown is recorded as cancelled, not left running");
    assert.match(stopped!.error!.message, "shut down");
  } finally {
    await second.close();
  }
});

test.run();
