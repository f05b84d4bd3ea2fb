import { test } from "uvu";
import * as assert from "uvu/assert";
import { join } from "node:path";
import { existsSync } from "node:fs";
import type { ExecutionEvent } from "../src/engine/index.js";
import { eventually, openEngineFixture } from "./helpers/engine-fixture.js";

const { fixture, source, runtime, close } = await openEngineFixture();

test.after(close);

test("engine - linear workflow passes outputs along and returns the user step's output", async () => {
  const events: ExecutionEvent[] = [];
  const record = await runtime.execute({ source, workflowName: "linear", input: { value: 21 }, onEvent: (e) => events.push(e) });
  assert.is(record.status, "completed");
  assert.is(record.result, 42);
  assert.equal(record.steps.map((s) => [s.id, s.status, s.attempts]), [["first", "completed", 1], ["second", "completed", 1]]);
  assert.equal(events.map((e) => e.seq), events.map((_, i) => i + 1), "events are numbered 1, 2, 3 …");
  assert.is(events[0]!.type, "execution.started");
  assert.is(events.at(-1)!.type, "execution.completed");
  assert.is(record.progress.completed_steps, 2);
  assert.is(record.progress.message, "Completed 2 of 2 steps");
  assert.ok(record.end_time! >= record.start_time);
});

test("engine - execution.progress is a summary sent at most every 100 ms while steps complete, never for the last step", async () => {
  const fast: ExecutionEvent[] = [];
  await runtime.execute({ source, workflowName: "linear", input: { value: 1 }, onEvent: (e) => fast.push(e) });
  assert.equal(fast.filter((e) => e.type === "execution.progress"), [], "two instant steps: their step.completed events say it all");
  const paced: ExecutionEvent[] = [];
  const record = await runtime.execute({ source, workflowName: "paced", onEvent: (e) => paced.push(e) });
  assert.is(record.status, "completed");
  const progress = paced.filter((e) => e.type === "execution.progress").map((e) => e.data);
  assert.equal(progress, [{ completed_steps: 1, total_steps: 3 }, { completed_steps: 2, total_steps: 3 }], "steps 150 ms apart: one after each but the last");
  assert.equal(paced.slice(-2).map((e) => e.type), ["step.completed", "execution.completed"]);
});

test("engine - independent steps run at the same time", async () => {
  const record = await runtime.execute({ source, workflowName: "parallel" });
  assert.is(record.status, "completed");
  const [a, b] = record.result as { started: number; ended: number }[];
  assert.ok(a!.started < b!.ended && b!.started < a!.ended, `a [${a!.started}, ${a!.ended}] and b [${b!.started}, ${b!.ended}] overlap`);
});

test("engine - a failing step is retried and succeeds on its 2nd attempt", async () => {
  const events: ExecutionEvent[] = [];
  const record = await runtime.execute({ source, workflowName: "retrying", onEvent: (e) => events.push(e) });
  assert.is(record.status, "completed");
  assert.equal(record.result, { attempt: 2 });
  assert.is(record.steps[0]!.attempts, 2);
  const retrying = events.find((e) => e.type === "step.retrying");
  assert.ok(retrying, "a step.retrying event is recorded");
  assert.is(retrying!.attempt, 2);
  assert.match((retrying!.data as { error: { message: string } }).error.message, "flaky failure on attempt 1");
  assert.equal(events.filter((e) => e.type === "step.started").map((e) => e.attempt), [1, 2]);
});

test("engine - a step that keeps failing fails the execution once its retries are spent", async () => {
  const record = await runtime.execute({ source, workflowName: "exhausted" });
  assert.is(record.status, "failed");
  assert.is(record.steps[0]!.attempts, 3);
  assert.is(record.steps[0]!.status, "failed");
  assert.match(record.error!.message, "step 'hopeless' failed: flaky failure on attempt 3");
});

test("engine - a step timeout stops the step and fails the execution", async () => {
  const before = (globalThis as any).__wfxTest.aborted.length;
  const record = await runtime.execute({ source, workflowName: "slow_step" });
  assert.is(record.status, "failed");
  assert.is(record.steps[0]!.status, "timeout");
  assert.is(record.error!.code, "WFX_STEP_TIMEOUT");
  assert.ok((globalThis as any).__wfxTest.aborted.length > before, "the step saw its AbortSignal fire (and so stopped waiting)");
});

test("engine - the execution timeout ends it with status timeout", async () => {
  const record = await runtime.execute({ source, workflowName: "slow_execution" });
  assert.is(record.status, "timeout");
  assert.is(record.error!.code, "WFX_EXECUTION_TIMEOUT");
  assert.is(record.steps[0]!.status, "timeout");
});

test("engine - a request timeout overrides the workflow's", async () => {
  const record = await runtime.execute({ source, workflowName: "slow_step", timeoutS: 0.05 });
  assert.is(record.status, "timeout");
});

test("engine - a crashing step is reported as failed with its cause, later steps never run", async () => {
  const record = await runtime.execute({ source, workflowName: "crashing" });
  assert.is(record.status, "failed");
  assert.equal(record.steps.map((s) => s.status), ["completed", "failed", "cancelled"]);
  assert.match(record.steps[1]!.error!.message, "cannot read properties of undefined");
  assert.match(record.error!.message, "step 'boom' failed");
});

test("engine - for_each fans out and keeps the order of its items", async () => {
  const events: ExecutionEvent[] = [];
  const record = await runtime.execute({ source, workflowName: "fan_out", input: { numbers: [1, 2, 3, 4, 5] }, onEvent: (e) => events.push(e) });
  assert.is(record.status, "completed");
  assert.equal(record.steps[1]!.output, [2, 4, 6, 8, 10]);
  assert.is(record.result, 30);
  assert.is(events.filter((e) => e.type === "step.progress" && e.step === "doubled").length, 5);
});

test("engine - a step reports progress through its context, destructured or not", async () => {
  const events: ExecutionEvent[] = [];
  const record = await runtime.execute({ source, workflowName: "progress", onEvent: (e) => events.push(e) });
  assert.is(record.status, "completed", JSON.stringify(record.error));
  assert.equal(events.filter((e) => e.type === "step.progress").map((e) => e.data), [{ i: 0 }, { i: 1 }, { i: 2 }]);
});

test("engine - when: false skips a step and later steps still run", async () => {
  const skipped = await runtime.execute({ source, workflowName: "conditional", input: { run: false } });
  assert.equal(skipped.steps.map((s) => s.status), ["skipped", "completed"]);
  const ran = await runtime.execute({ source, workflowName: "conditional", input: { run: true } });
  assert.equal(ran.steps.map((s) => s.status), ["completed", "completed"]);
});

test("engine - a sub-workflow step runs the other workflow and returns its result", async () => {
  const record = await runtime.execute({ source, workflowName: "parent", input: { n: 5 } });
  assert.is(record.status, "completed");
  assert.is(record.result, 20);
});

test("engine - filesystem tool steps read and write inside the root and refuse to leave it", async () => {
  const record = await runtime.execute({ source, workflowName: "files", input: { text: "hello" } });
  assert.is(record.status, "failed");
  assert.equal((record.steps[1]!.output as { content: string }).content, "hello");
  assert.is(record.steps[2]!.status, "failed");
  assert.is(record.steps[2]!.error!.code, "WFX_FS_OUTSIDE_ROOT");
});

test("engine - cancel of a running sync execution aborts the step", async () => {
  const report = join(fixture.dir, "sync-hang.json");
  const started = runtime.start({ source, workflowName: "hang", input: { report } });
  await eventually(() => runtime.recorder.peek(started.executionId)?.steps[0]!.status === "running", 5000, "step running");
  const before = (globalThis as any).__wfxTest.aborted.length;
  const result = await runtime.cancel(started.executionId);
  assert.is(result.cancelled, true);
  const record = await started.done;
  assert.is(record.status, "cancelled");
  assert.is(record.steps[0]!.status, "cancelled");
  // Read once the clock has moved past the end: a live count would have grown, a frozen one is still end - start.
  await eventually(() => Date.now() / 1000 > record.end_time! + 0.002 || undefined, 5000, "the clock to pass the end");
  assert.is((await runtime.status(started.executionId))!.elapsed_time, record.end_time! - record.start_time, "elapsed_time stops at the end");
  assert.ok((globalThis as any).__wfxTest.aborted.length > before, "the running step saw its AbortSignal");
});

test("engine - async returns at once; status shows it running, then cancel ends it", async () => {
  const report = join(fixture.dir, "async-hang.json");
  const record = await runtime.execute({ source, workflowName: "hang", input: { report }, mode: "async" });
  // The supervisor records execution.started as it is spawned; the step hangs until cancelled.
  assert.is(record.status, "running");
  assert.is(record.execution_mode, "async");
  await eventually(async () => (await runtime.status(record.execution_id))?.status === "running", 5000, "running");
  const cancelled = await runtime.cancel(record.execution_id);
  assert.is(cancelled.status, "cancelled");
  assert.is((await runtime.status(record.execution_id))!.status, "cancelled");
});

test("engine - an aborted caller signal cancels a sync execution", async () => {
  const controller = new AbortController();
  const report = join(fixture.dir, "signal.json");
  const pending = runtime.execute({ source, workflowName: "hang", input: { report }, signal: controller.signal });
  await eventually(() => existsSync(report) || undefined, 5000, "the step to run");
  controller.abort();
  const record = await pending;
  assert.is(record.status, "cancelled");
  assert.is(record.steps[0]!.status, "cancelled", "the running step was stopped, not skipped");
});

test("engine - unknown ids: status is undefined and cancel says not_found", async () => {
  assert.is(await runtime.status("no-such-id"), undefined);
  assert.is((await runtime.cancel("no-such-id")).status, "not_found");
  const watching = await runtime.watch("no-such-id", 0, () => assert.unreachable("no events for an unknown id")).catch((error: unknown) => error);
  assert.is((watching as { code?: string }).code, "WFX_EXECUTION_NOT_FOUND");
});

test("engine - watch replays past events from a sequence number, then follows live", async () => {
  const started = runtime.start({ source, workflowName: "parallel" });
  const seen: number[] = [];
  const final = await runtime.watch(started.executionId, 2, (e) => seen.push(e.seq));
  assert.is(final!.status, "completed");
  assert.is(seen[0], 3);
  assert.equal(seen, seen.map((_, i) => i + 3), "no gaps, no repeats");
  const again: number[] = [];
  await runtime.watch(started.executionId, 0, (e) => again.push(e.seq));
  assert.is(again.length, seen.length + 2, "a finished execution replays from the store");
});

test.run();
