import { test } from "uvu";
import * as assert from "uvu/assert";
import { MemoryExecutionStore, Runtime } from "../src/engine/index.js";
import { join } from "node:path";
import { FIXTURES, loadSource } from "./helpers/engine-fixture.js";

test("resume spec - stored with a running execution for an adopter, never shown by status, dropped at the end", async () => {
  const store = new MemoryExecutionStore();
  const runtime = new Runtime({ store, nodeId: "spec-test" });
  const source = await loadSource(join(FIXTURES, "resume", "resume.yaml"));
  const started = runtime.start({ source, workflowName: "five_steps", mode: "async", input: { ledger: "/dev/null", ms: 10 } });
  assert.ok((await store.getRecord(started.executionId))?.resume?.file_json, "the stored record carries the workflow for an adopter");
  assert.is((await runtime.status(started.executionId))?.resume, undefined, "status leaves it out");
  assert.ok((await runtime.list()).every((r) => r.resume === undefined), "and so does list");
  await started.done;
  assert.is((await store.getRecord(started.executionId))?.resume, undefined, "an ended record drops it");
  await runtime.close();
});

test.run();
