import { test } from "uvu";
import * as assert from "uvu/assert";
import { join } from "node:path";
import { compilePlan } from "../src/engine/index.js";
import { FIXTURES, loadSource } from "./helpers/engine-fixture.js";

const source = await loadSource(join(FIXTURES, "step-order", "workflows.yaml"));

test("plan - carries the workflow's and each step's placement as parsed", () => {
  const plan = compilePlan(source.file, "placed", source.path);
  assert.equal(plan.placement, { tags: ["eu"] });
  assert.equal(plan.steps[0]!.placement, { tags: ["gpu"], prefer: ["fast"], avoid: ["spot"], target_instance: "pool-a" });
  assert.is(plan.steps[1]!.placement, undefined, "a step without placement: has none");
});

test("plan - a workflow without placement has none", () => {
  const plan = compilePlan(source.file, "unplaced", source.path);
  assert.is(plan.placement, undefined);
  assert.is(plan.steps[0]!.placement, undefined);
});

test.run();
