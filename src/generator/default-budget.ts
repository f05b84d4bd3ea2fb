import { BUDGET_FIELDS, type Budget } from "../config/index.js";
import type { WorkflowDraft } from "./template-planner.js";
import type { Complexity } from "./types.js";

/**
 * The budget a generated workflow runs under, by complexity: room for every agent the level allows to take its default
 * 8 turns with a few tool calls each, so a generated agent that loops stops instead of calling the model until its timeout.
 */
export const DEFAULT_GENERATED_BUDGETS: Readonly<Record<Complexity, Required<Budget>>> = Object.freeze({
  simple: { max_model_calls: 16, max_tool_calls: 32, max_tokens: 100_000 },
  medium: { max_model_calls: 32, max_tool_calls: 64, max_tokens: 250_000 },
  complex: { max_model_calls: 64, max_tool_calls: 128, max_tokens: 600_000 },
});

/** Gives each workflow of the draft the level's budget, keeping any lower limit the draft (a model, say) set itself. */
export function applyDefaultBudget(draft: WorkflowDraft, complexity: Complexity): void {
  const defaults = DEFAULT_GENERATED_BUDGETS[complexity];
  if (draft.workflows === null || typeof draft.workflows !== "object") return;
  for (const workflow of Object.values(draft.workflows)) {
    if (workflow === null || typeof workflow !== "object") continue;
    const own = (workflow as { budget?: unknown }).budget;
    const written = own !== null && typeof own === "object" ? (own as Record<string, unknown>) : {};
    const budget: Budget = {};
    for (const field of BUDGET_FIELDS) {
      const value = written[field];
      budget[field] = typeof value === "number" && Number.isInteger(value) && value >= 1 && value < defaults[field] ? value : defaults[field];
    }
    (workflow as { budget?: Budget }).budget = budget;
  }
}
