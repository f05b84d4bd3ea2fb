import { test } from "uvu";
import * as assert from "uvu/assert";
import { createWorkflowGenerator } from "../src/generator/index.js";
import { RUBRIC, RUBRIC_NODES, rubricMisses } from "./helpers/generation-rubric.js";

const generator = createWorkflowGenerator({ env: {}, planner: "template" });

test("rubric - the template planner fits every description: placement, fan-out, roots, hosts, roles", async () => {
  assert.ok(RUBRIC.length >= 40);
  const misses: string[] = [];
  for (const c of RUBRIC) {
    const context = { nodes: RUBRIC_NODES, ...(c.policy === undefined ? {} : { policy: c.policy }) };
    const result = await generator.generate({ workflow_description: c.description }, context);
    const missed = rubricMisses(result, c);
    if (missed.length > 0) misses.push(`"${c.description}": ${missed.join("; ")}`);
  }
  console.log(`rubric fit (template planner): ${RUBRIC.length - misses.length}/${RUBRIC.length}`);
  assert.equal(misses, []);
});

test.run();
