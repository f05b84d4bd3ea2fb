import { test } from "uvu";
import * as assert from "uvu/assert";
import { DEFAULT_GENERATED_BUDGETS, applyDefaultBudget } from "../src/generator/default-budget.js";
import { createWorkflowGenerator, type Complexity, type WorkflowDraft } from "../src/generator/index.js";

const generator = createWorkflowGenerator({ env: {} });

for (const complexity of ["simple", "medium", "complex"] as Complexity[]) {
  test(`generated budget - a ${complexity} workflow gets the ${complexity} budget, and still validates`, async () => {
    const result = await generator.generate({ workflow_description: "Analyze customer feedback, extract insights, and generate action items", complexity });
    assert.is(result.validation_status, "valid", JSON.stringify(result.validation_errors));
    const workflows = (result.workflow_config as { workflows: Record<string, { budget?: unknown }> }).workflows;
    assert.equal(workflows[result.workflow_name]!.budget, DEFAULT_GENERATED_BUDGETS[complexity]);
    assert.match(result.workflow_yaml, "budget:");
  });
}

test("generated budget - a lower limit the generator wrote is kept, a higher or malformed one is replaced", () => {
  const draft = { agents: [], workflows: { w: { description: "", steps: [], budget: { max_tokens: 500, max_model_calls: 10_000, max_tool_calls: "lots" } } } } as unknown as WorkflowDraft;
  applyDefaultBudget(draft, "simple");
  assert.equal((draft.workflows["w"] as { budget?: unknown }).budget, { max_tokens: 500, max_model_calls: 16, max_tool_calls: 32 });
});

test.run();
