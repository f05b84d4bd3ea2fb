import { test } from "uvu";
import * as assert from "uvu/assert";
import { MemoryExecutionStore, Runtime } from "../src/engine/index.js";
import { join } from "node:path";
import { FIXTURES, loadSource } from "./helpers/engine-fixture.js";
import { compilePlan, type ExecutionEvent } from "../src/engine/index.js";
import { resumePointOf } from "../src/engine/resume-point.js";

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

test("resume spec - the point to resume from carries what the dead owner's steps used, so the totals go on from it", async () => {
  const source = await loadSource(join(FIXTURES, "resume", "resume.yaml"));
  const plan = compilePlan(source.file, "five_steps");
  const tokens = (total: number) => ({ prompt_tokens: total - 1, completion_tokens: 1, total_tokens: total });
  const used = (total: number) => ({ tokens: tokens(total), by_model: { m: { ...tokens(total), calls: 1, unknown_usage_calls: 0 } }, model_calls: 1, unknown_usage_calls: 0, tool_calls: 2, wall_ms: 5, cpu_ms: 1 });
  const at = (seq: number, type: ExecutionEvent["type"], step: string | undefined, data?: unknown): ExecutionEvent => ({ execution_id: "e", seq, type, time: seq, ...(step === undefined ? {} : { step }), data });
  const events = [
    at(1, "execution.started", undefined, { usage: used(1000) }),
    at(2, "step.started", "s1"),
    at(3, "step.completed", "s1", { output: 1, usage: used(10) }),
    at(4, "step.started", "s2"),
    at(5, "step.retrying", "s2", { usage: used(20) }),
  ];
  const point = resumePointOf(plan, events, "process 1 on node a");
  const summed = { prompt_tokens: 28, completion_tokens: 2, total_tokens: 30 };
  assert.equal(point.usage.tokens, summed, "both steps' tokens, the crashed attempt's included; execution events add nothing");
  assert.is(point.usage.model_calls, 2);
  assert.is(point.usage.tool_calls, 4);
  assert.equal(point.usage.by_model["m"], { ...summed, calls: 2, unknown_usage_calls: 0 });
  assert.equal(point.done, [[0, 1]]);
});

test.run();
