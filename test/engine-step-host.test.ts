import { test } from "uvu";
import * as assert from "uvu/assert";
import { join } from "node:path";
import type { ActorLogic, ActorRef } from "../src/actors/index.js";
import { toErrorInfo, WfxError } from "../src/errors.js";
import { EngineError, isRetryable, MemoryExecutionStore, Runtime, StepFailedError, StepTimeoutError, toStepErrorInfo, type ExecutionEvent, type StepErrorInfo, type StepOrder, type StepReport } from "../src/engine/index.js";
import { copyFixture, loadSource } from "./helpers/engine-fixture.js";

const fixture = copyFixture("step-order");
const source = await loadSource(join(fixture.dir, "workflows.yaml"));

/** What crosses the wire: the error as data, rebuilt on the supervisor's side. */
const overWire = (error: unknown): StepFailedError => new StepFailedError(JSON.parse(JSON.stringify(toStepErrorInfo(error))) as StepErrorInfo);

/**
 * Stands in for a step on another node, as a cluster's host would: it runs the order rebuilt from JSON as its own child
 * and passes on its reports with failures turned into data and back. A retry restarts it, and it sends the order again.
 */
function relay(node: Runtime, order: StepOrder, baseDir: string): ActorLogic<null, StepReport> {
  return {
    start(ctx) {
      const wire = JSON.stringify({ ...order, attempt: order.attempt - 1 + ctx.attempt });
      ctx.spawn(node.stepFromOrder(JSON.parse(wire) as StepOrder, baseDir), { name: "remote" });
      return null;
    },
    receive(state, report, ctx) {
      (ctx.parent as ActorRef<StepReport>).tell(report.type === "step_failed" ? { ...report, error: overWire(report.error) } : report);
      return state;
    },
    onSignal(state, signal, ctx) {
      if (signal.type === "terminated" && signal.error === undefined) ctx.stop();
      else if (signal.type === "terminated") ctx.fail(overWire(signal.error));
      return state;
    },
  };
}

const relayed: string[] = [];
const runtime: Runtime = new Runtime({
  store: new MemoryExecutionStore(),
  nodeId: "test-node",
  stepHost: () => ({
    spawnStep(parent, order, options) {
      relayed.push(order.stepId);
      return parent.spawn(relay(runtime, order, fixture.dir), options);
    },
  }),
});

test.after(async () => {
  await runtime.close();
  fixture.cleanup();
});

async function run(workflowName: string, input?: unknown): Promise<{ record: Awaited<ReturnType<Runtime["execute"]>>; events: ExecutionEvent[] }> {
  const events: ExecutionEvent[] = [];
  const record = await runtime.execute({ source, workflowName, input, onEvent: (e) => events.push(e) });
  return { record, events };
}

test("step errors - travel as {code, message, hint, retryable} and are rebuilt into a WfxError", () => {
  const cases: [unknown, StepErrorInfo][] = [
    [new EngineError("WFX_TOOL_BAD_ARGS", "bad args", { hint: "fix them" }), { code: "WFX_TOOL_BAD_ARGS", message: "bad args", hint: "fix them", retryable: false }],
    [new StepTimeoutError("s", 1500), { code: "WFX_STEP_TIMEOUT", message: "step 's' timed out after 1.5s", hint: "raise the step's `timeout` (seconds) or make the step faster", retryable: true }],
    [new Error("boom"), { code: "WFX_STEP_ERROR", message: "boom", retryable: true }],
  ];
  for (const [error, info] of cases) {
    assert.equal(toStepErrorInfo(error), info);
    const rebuilt = overWire(error);
    assert.instance(rebuilt, WfxError);
    assert.is(rebuilt.retryable, info.retryable);
    assert.is(isRetryable(rebuilt), isRetryable(error));
    assert.equal(toErrorInfo(rebuilt), toErrorInfo(error), "what is recorded is the same as for the original");
  }
  assert.is(new StepFailedError({ code: "not-ours", message: "m", retryable: false }).code, "WFX_STEP_ERROR", "a code that is not WFX_… is not trusted");
});

test("step host - a host that runs each order from JSON elsewhere runs a whole workflow: for_each, retry, sub-workflow, tools", async () => {
  relayed.length = 0;
  const { record } = await run("placed", { numbers: [1, 2, 3] });
  assert.is(record.status, "completed", JSON.stringify(record.error));
  assert.equal(record.result, { path: "out.txt", content: "total 12" });
  assert.is(relayed.length, 9, relayed.join(", "));
});

test("step host - a retryable failure that came back as data is retried, and its attempts are numbered on", async () => {
  const { record, events } = await run("always_fails");
  assert.is(record.status, "failed");
  assert.equal(events.filter((e) => e.type === "step.started").map((e) => e.attempt), [1, 2]);
  const retrying = events.find((e) => e.type === "step.retrying")!;
  assert.equal((retrying.data as { error: unknown }).error, { code: "WFX_STEP_ERROR", message: "flaky failure on attempt 1" });
  assert.match(record.error!.message, "flaky failure on attempt 2");
});

test("step host - a failure a retry cannot fix stays unretried after the wire, with its code and hint", async () => {
  const { record, events } = await run("bad_args");
  assert.is(record.status, "failed");
  assert.is(events.filter((e) => e.type === "step.started").length, 1);
  assert.is(record.error!.code, "WFX_TOOL_BAD_ARGS");
  assert.is(record.error!.hint, "fix the step's `args` to match the tool's input");
});

test("step host - a step timeout that came back as data still ends the step as timed out", async () => {
  const { record } = await run("slow");
  assert.is(record.status, "failed");
  assert.is(record.steps[0]!.status, "timeout");
  assert.is(record.error!.code, "WFX_STEP_TIMEOUT");
});

test.run();
