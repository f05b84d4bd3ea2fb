import { BUDGET_FIELDS, CALLER_POLICY_SETTING, type Budget } from "../config/index.js";
import { budgetFrom, type ResolvedBudget } from "./budget.js";
import { EngineError } from "./errors.js";

export interface BudgetSources {
  workflowName: string;
  /** The workflow's own `budget:`. */
  workflow: Budget | undefined;
  /** What the execute request asked for: it may lower the workflow's budget, never raise it. */
  request: Budget | undefined;
  /** The operator's caller policy `max_budget`: the most a caller may ask for. */
  cap: Budget | undefined;
  /** A workflow a caller sent: the cap is its budget when it sets none lower. */
  fromCaller: boolean;
}

/**
 * The budget an execution runs under: per limit, the lowest of the workflow's, the request's and (for a caller's
 * workflow) the policy's cap. A request above the workflow's or above the cap is refused, naming the field.
 */
export function resolveExecutionBudget(sources: BudgetSources): ResolvedBudget | undefined {
  const { workflow, request, cap } = sources;
  const ofWorkflow = `workflow '${sources.workflowName}'`;
  for (const field of BUDGET_FIELDS) {
    const asked = request?.[field];
    if (asked === undefined) continue;
    if (workflow?.[field] !== undefined && asked > workflow[field]) {
      throw new EngineError("WFX_BUDGET_ABOVE_WORKFLOW", `budget.${field} ${asked} of the request is above the budget.${field} ${workflow[field]} of ${ofWorkflow}; a request may lower a workflow's budget, never raise it`, {
        hint: `ask for budget.${field} of at most ${workflow[field]}, or raise the workflow's own budget.${field}`,
      });
    }
    if (cap?.[field] !== undefined && asked > cap[field]) {
      throw new EngineError("WFX_BUDGET_ABOVE_POLICY", `budget.${field} ${asked} of the request is above the ${cap[field]} the node's caller policy lets callers ask for (${CALLER_POLICY_SETTING.max_budget})`, {
        hint: `ask for budget.${field} of at most ${cap[field]}; only the operator can raise ${CALLER_POLICY_SETTING.max_budget}`,
      });
    }
  }
  const layers: Array<[Budget | undefined, string]> = [[workflow, ofWorkflow], [request, "the request"], [sources.fromCaller ? cap : undefined, `the node's caller policy (${CALLER_POLICY_SETTING.max_budget})`]];
  let resolved: ResolvedBudget | undefined;
  for (const [budget, setBy] of layers) {
    const layer = budgetFrom(budget, setBy);
    if (layer === undefined) continue;
    if (resolved === undefined) {
      resolved = layer;
      continue;
    }
    for (const field of BUDGET_FIELDS) {
      const value = layer.limits[field];
      const current = resolved.limits[field];
      if (value !== undefined && (current === undefined || value < current)) {
        resolved.limits[field] = value;
        resolved.setBy[field] = setBy;
      }
    }
  }
  return resolved;
}
