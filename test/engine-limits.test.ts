import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { test } from "uvu";
import * as assert from "uvu/assert";
import { DEFAULT_LIMITS, MemoryExecutionStore, resolveLimitsOptions, Runtime, type ExecutionEvent, type ExecutionMode } from "../src/engine/index.js";
import { FIXTURES, loadSource } from "./helpers/engine-fixture.js";

const LIMITS_DIR = join(FIXTURES, "limits");
const source = await loadSource(join(LIMITS_DIR, "workflows.yaml"));
/** The fixture's step module, the same instance the runtime imports: `calls` counts the iterations that ran. */
const steps = (await import(pathToFileURL(join(LIMITS_DIR, "steps.js")).href)) as { calls: number };

test("limits - options default to documented values, may be set one by one, and nonsense is refused", () => {
  assert.equal(DEFAULT_LIMITS, { maxJsonDepth: 64, maxInputBytes: 1024 * 1024, maxInlineSteps: 200, maxForEachItems: 10_000, maxStepsPerExecution: 100_000 });
  assert.equal(resolveLimitsOptions({ maxForEachItems: 3 }), { ...DEFAULT_LIMITS, maxForEachItems: 3 });
  assert.ok(Object.isFrozen(resolveLimitsOptions()));
  for (const bad of [0, -1, 1.5, Number.NaN]) assert.throws(() => resolveLimitsOptions({ maxJsonDepth: bad }), /maxJsonDepth must be a positive integer/);
  const runtime = new Runtime({ store: new MemoryExecutionStore(), limits: { maxInlineSteps: 7 } });
  assert.equal(runtime.options.limits, { ...DEFAULT_LIMITS, maxInlineSteps: 7 });
});

test("limits - a for_each longer than maxForEachItems fails its step before any iteration starts (sync, async, isolated)", async () => {
  const runtime = new Runtime({ store: new MemoryExecutionStore(), nodeId: "test-node", limits: { maxForEachItems: 3 } });
  const allowed = await runtime.execute({ source, workflowName: "each_item", input: { items: [1, 2, 3] } });
  assert.equal([allowed.status, allowed.result], ["completed", [1, 2, 3]]);
  for (const mode of ["sync", "async", "isolated"] as ExecutionMode[]) {
    const before = steps.calls;
    const events: ExecutionEvent[] = [];
    const started = runtime.start({ source, workflowName: "each_item", input: { items: [1, 2, 3, 4] }, mode, onEvent: (e) => events.push(e) });
    const record = await started.done;
    assert.equal([mode, record.status, record.error?.code], [mode, "failed", "WFX_FOR_EACH_TOO_LONG"]);
    assert.match(record.error!.message, "for_each of step 'each' gave 4 items; a for_each may have at most 3 (the node's maxForEachItems)");
    assert.equal([record.steps[0]!.status, record.steps[0]!.error?.code], ["failed", "WFX_FOR_EACH_TOO_LONG"]);
    assert.equal(events.filter((e) => e.type === "step.started" || e.type === "step.progress"), [], "no iteration started");
    if (mode !== "isolated") assert.is(steps.calls, before, "the step function never ran");
  }
  await runtime.close();
});

test("limits - maxStepsPerExecution counts for_each iterations and nested sub-workflow steps of one execution tree (sync, isolated)", async () => {
  const runtime = new Runtime({ store: new MemoryExecutionStore(), nodeId: "test-node", limits: { maxStepsPerExecution: 12 } });
  // 3 outer iterations, each a sub-workflow of 3 iterations: 3 + 9 = 12 step actors, exactly the cap.
  const within = await runtime.execute({ source, workflowName: "nested_each", input: { outer: [1, 2, 3], inner: [1, 2, 3] } });
  assert.equal([within.status, within.result], ["completed", [[1, 2, 3], [1, 2, 3], [1, 2, 3]]]);
  for (const mode of ["sync", "isolated"] as ExecutionMode[]) {
    const record = await runtime.start({ source, workflowName: "nested_each", input: { outer: [1, 2, 3, 4], inner: [1, 2, 3] }, mode }).done;
    assert.equal([mode, record.status, record.error?.code], [mode, "failed", "WFX_STEP_LIMIT"]);
    assert.match(record.error!.message, "one execution may start at most 12 (for_each iterations and sub-workflow steps included; the node's --max-steps-per-execution)");
    assert.match(record.error!.hint!, "--max-steps-per-execution");
  }
  await runtime.close();
});

test.run();
