import { BUDGET_FIELDS, type Budget } from "../config/index.js";
import { WfxError } from "../errors.js";
import type { TokenCounts, Usage } from "./usage.js";

export type BudgetField = (typeof BUDGET_FIELDS)[number];

/** A budget in force, with who set each limit: the error naming a spent budget says where to raise it. */
export interface ResolvedBudget {
  limits: Budget;
  /** "workflow 'report'", "the request", "agent 'writer'", "the caller policy (caller_policy.max_budget)". */
  setBy: Partial<Record<BudgetField, string>>;
}

/** A step or an execution reached one of its budgets; never retried (the same work would spend it again). */
export class BudgetExceededError extends WfxError {
  override name = "BudgetExceededError";
  constructor(field: BudgetField, limit: number, spent: { tokens: number; model_calls: number; tool_calls: number }, setBy: string) {
    const n = (value: number) => value.toLocaleString("en-US");
    const figures =
      field === "max_tokens"
        ? `${n(spent.tokens)} tokens used by ${n(spent.model_calls)} model call${spent.model_calls === 1 ? "" : "s"}`
        : field === "max_model_calls"
          ? `${n(spent.model_calls)} model calls made (${n(spent.tokens)} tokens); another was needed`
          : `${n(spent.tool_calls)} tool calls made; the model asked for another`;
    super("WFX_BUDGET_EXCEEDED", `${field} ${n(limit)} reached: ${figures}`, {
      hint: `raise budget.${field} of ${setBy}, or lower the work (a smaller input, fewer agent turns)`,
    });
  }
}

/**
 * Counts the model and tool calls made under one budget (an execution's, shared by its steps, or one agent step's).
 * Spending it aborts `signal` with the error, so calls other steps have in flight under it stop too.
 */
export class BudgetMeter {
  readonly budget: ResolvedBudget;
  tokens = 0;
  modelCalls = 0;
  toolCalls = 0;
  readonly #abort = new AbortController();

  constructor(budget: ResolvedBudget) {
    this.budget = budget;
  }

  get signal(): AbortSignal {
    return this.#abort.signal;
  }

  /** Throws (and aborts) when the budget leaves no room for another model call. */
  checkModelCall(): void {
    const { max_model_calls: calls, max_tokens: tokens } = this.budget.limits;
    if (calls !== undefined && this.modelCalls >= calls) this.#spent("max_model_calls", calls);
    if (tokens !== undefined && this.tokens >= tokens) this.#spent("max_tokens", tokens);
  }

  /** Counts a finished model call; throws (and aborts) when its tokens went over. */
  modelCalled(tokens: TokenCounts | undefined): void {
    this.modelCalls += 1;
    this.tokens += tokens?.total_tokens ?? 0;
    const max = this.budget.limits.max_tokens;
    if (max !== undefined && this.tokens > max) this.#spent("max_tokens", max);
  }

  /** Counts a tool call, or throws (and aborts) when the budget has no room for it. */
  toolCall(): void {
    const max = this.budget.limits.max_tool_calls;
    if (max !== undefined && this.toolCalls >= max) this.#spent("max_tool_calls", max);
    this.toolCalls += 1;
  }

  /** For usage counted elsewhere (a step run on another node): the error when the totals now exceed the budget. */
  overBy(usage: Pick<Usage, "tokens" | "model_calls" | "tool_calls">): BudgetExceededError | undefined {
    const { max_tokens, max_model_calls, max_tool_calls } = this.budget.limits;
    const spent = { tokens: usage.tokens.total_tokens, model_calls: usage.model_calls, tool_calls: usage.tool_calls };
    if (max_tokens !== undefined && spent.tokens > max_tokens) return this.#error("max_tokens", max_tokens, spent);
    if (max_model_calls !== undefined && spent.model_calls > max_model_calls) return this.#error("max_model_calls", max_model_calls, spent);
    if (max_tool_calls !== undefined && spent.tool_calls > max_tool_calls) return this.#error("max_tool_calls", max_tool_calls, spent);
    return undefined;
  }

  #error(field: BudgetField, limit: number, spent: { tokens: number; model_calls: number; tool_calls: number }): BudgetExceededError {
    return new BudgetExceededError(field, limit, spent, this.budget.setBy[field] ?? "the workflow");
  }

  #spent(field: BudgetField, limit: number): never {
    const error = this.#error(field, limit, { tokens: this.tokens, model_calls: this.modelCalls, tool_calls: this.toolCalls });
    if (!this.#abort.signal.aborted) this.#abort.abort(error);
    throw error;
  }
}

/** Whether a budget sets any limit (an empty `budget: {}` bounds nothing). */
export function hasLimits(budget: Budget | undefined): budget is Budget {
  return budget !== undefined && BUDGET_FIELDS.some((f) => budget[f] !== undefined);
}

/** A budget as one source set it. */
export function budgetFrom(budget: Budget | undefined, setBy: string): ResolvedBudget | undefined {
  if (!hasLimits(budget)) return undefined;
  const setByField: Partial<Record<BudgetField, string>> = {};
  for (const field of BUDGET_FIELDS) if (budget[field] !== undefined) setByField[field] = setBy;
  return { limits: { ...budget }, setBy: setByField };
}
