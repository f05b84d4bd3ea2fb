import { test } from "uvu";
import * as assert from "uvu/assert";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { z } from "zod";
import { loadValidWorkflowFile, resolveCallerPolicy } from "../src/config/index.js";
import { MemoryExecutionStore, Runtime, hashOf, type ExecutionEvent, type StepHostFactory, type StepOrder, type WorkflowSource } from "../src/engine/index.js";
import { defaultToolRegistry, type ToolFactory } from "../src/tools/index.js";
import { copyFixture, loadSource } from "./helpers/engine-fixture.js";

const fixture = copyFixture("step-order");
const source = await loadSource(join(fixture.dir, "workflows.yaml"));
const sandbox = mkdtempSync(join(tmpdir(), "wfx-test-order-sandbox-"));

/** A tool that answers which deps built it: a caller's (policy set, empty env) or the operator's. */
const probe: ToolFactory = {
  type: "probe",
  description: "tells what it was built with",
  create(definition, baseDir, context) {
    const built = { caller: context?.caller !== undefined, env_keys: Object.keys(context?.env ?? {}).length, base_dir: baseDir };
    return { id: definition.id, type: "probe", description: "", inputSchema: z.object({}), call: async () => built };
  },
};

/** Every order is sent as JSON and rebuilt by `node` from the JSON alone, as a node of a cluster would. */
function overJson(node: () => Runtime, baseDir: (order: StepOrder) => string, seen: StepOrder[]): StepHostFactory {
  return () => ({
    spawnStep(parent, order, options) {
      seen.push(order);
      return parent.spawn(node().stepFromOrder(JSON.parse(JSON.stringify(order)) as StepOrder, baseDir(order)), options);
    },
  });
}

function runtimeWith(stepHost: StepHostFactory | undefined, callerTools = ["probe", "filesystem"]): Runtime {
  return new Runtime({
    store: new MemoryExecutionStore(),
    nodeId: "test-node",
    env: { NODE_SECRET: "s3cret" },
    tools: defaultToolRegistry().register(probe),
    callerPolicy: resolveCallerPolicy({ tool_types: callerTools }),
    ...(stepHost === undefined ? {} : { stepHost }),
  });
}

const seen: StepOrder[] = [];
let callerOrder: StepOrder | undefined;
// The receiving node keeps operator workflows where the fixture is, and callers' in their sandbox.
const runtime: Runtime = runtimeWith(overJson(() => runtime, (order) => (order.workflow.origin === "caller" ? sandbox : fixture.dir), seen));

test.after(async () => {
  await runtime.close();
  fixture.cleanup();
  rmSync(sandbox, { recursive: true, force: true });
});

test("step order - a step host given in the runtime's options sees every step's order and runs it from its JSON", async () => {
  seen.length = 0;
  const events: ExecutionEvent[] = [];
  const record = await runtime.execute({ source, workflowName: "placed", input: { numbers: [1, 2, 3] }, onEvent: (e) => events.push(e) });
  assert.is(record.status, "completed", JSON.stringify(record.error));
  assert.equal(record.result, { path: "out.txt", content: "total 12" }, "numbers -> doubled (for_each) -> halve (sub-workflow) -> written and read back");
  const id = record.execution_id;
  assert.equal(seen.map((o) => `${o.executionId === id ? "" : `${o.executionId}:`}${o.stepId}${o.index === undefined ? "" : `[${o.index}]`}`).sort(), [
    "numbers", "doubled[0]", "doubled[1]", "doubled[2]", "shaky", "sub", `${id}/sub:sum`, "write", "read",
  ].sort());
  const numbers = seen.find((o) => o.stepId === "numbers")!;
  assert.equal(numbers.placement, { tags: ["gpu"], prefer: ["fast"], avoid: ["spot"], target_instance: "pool-a" });
  assert.equal(numbers.action, { kind: "function", module: "./steps.js", exportName: "echo" });
  assert.equal(numbers.input, [1, 2, 3]);
  assert.is(numbers.attempt, 1);
  assert.is(numbers.workflow.origin, "operator");
  assert.is(numbers.workflow.hash, hashOf(numbers.workflow.fileJson));
  assert.equal(seen.filter((o) => o.stepId === "doubled").map((o) => [o.index, o.item, o.input, o.slot]).sort(), [[0, 1, 1, 0], [1, 2, 2, 1], [2, 3, 3, 2]]);
  assert.is(seen.find((o) => o.stepId === "sum")!.workflow.workflowName, "halve");
  assert.equal(seen.find((o) => o.stepId === "write")!.input, { op: "write", path: "out.txt", content: "total 12" });
  for (const order of seen) assert.not.ok(JSON.stringify(order).includes(fixture.dir), `order of ${order.stepId} names no path of the supervisor's machine`);
  // A retry is a restart of the actor the host gave: one order, two attempts.
  assert.equal(events.filter((e) => e.type === "step.started" && e.step === "shaky").map((e) => e.attempt), [1, 2]);
  assert.equal(record.steps.find((s) => s.id === "shaky")!.output, { attempt: 2 });
});

test("step order - a caller's workflow keeps its origin over JSON: rebuilt, it runs with the caller policy and an empty env", async () => {
  const path = join(sandbox, "inline.yaml");
  writeFileSync(path, "tools:\n  - id: who\n    type: probe\nworkflows:\n  main:\n    steps:\n      - id: ask\n        tool: who\n");
  const file = await loadValidWorkflowFile(path, { toolTypes: ["probe"] });
  const asCaller: WorkflowSource = { file, path, origin: "caller" };
  seen.length = 0;
  const caller = await runtime.execute({ source: asCaller });
  assert.is(caller.status, "completed", JSON.stringify(caller.error));
  callerOrder = seen[0]!;
  assert.is(callerOrder.workflow.origin, "caller");
  assert.equal(caller.result, { caller: true, env_keys: 0, base_dir: sandbox });
  const operator = await runtime.execute({ source: { file, path } });
  assert.equal(operator.result, { caller: false, env_keys: 1, base_dir: fixture.dir }, "the same file from the operator runs with the node's env (where the node keeps operator files)");

  // A node whose caller policy does not grant the tool type refuses the order before running anything.
  const strict = runtimeWith(undefined, ["filesystem"]);
  try {
    const order = JSON.parse(JSON.stringify(callerOrder)) as StepOrder;
    assert.throws(() => strict.stepFromOrder(order, sandbox), (e: Error & { code?: string }) => e.code === "WFX_CALLER_POLICY_DENIED");
  } finally {
    await strict.close();
  }
});

test("step order - an order whose file does not match its hash, or names a step its workflow lacks, is refused", () => {
  const order = JSON.parse(JSON.stringify(callerOrder)) as StepOrder;
  const tampered = { ...order, workflow: { ...order.workflow, fileJson: order.workflow.fileJson.replace("probe", "filesystem") } };
  // A folder it was not rebuilt in yet: a file already rebuilt is known by its hash, and its JSON is not read again.
  assert.throws(() => runtime.stepFromOrder(tampered, join(sandbox, "elsewhere")), (e: Error & { code?: string }) => e.code === "WFX_STEP_ORDER_MISMATCH");
  assert.throws(() => runtime.stepFromOrder({ ...order, stepId: "nope" }, sandbox), (e: Error & { code?: string }) => e.code === "WFX_STEP_ORDER_MISMATCH");
});

test.run();
