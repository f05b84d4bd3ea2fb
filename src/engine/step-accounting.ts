import type { AgentAccounting } from "../agents/index.js";
import type { BudgetMeter } from "./budget.js";
import { addModelCall, round3, type Usage } from "./usage.js";

/**
 * What an agent step counts with: every call goes into the step's usage (which travels with its result) and into
 * each budget it runs under (its agent's, the execution's, an enclosing workflow's); the first budget spent stops it.
 */
export function agentAccounting(usage: Usage, meters: readonly BudgetMeter[]): AgentAccounting {
  const signals = meters.map((m) => m.signal);
  return {
    beforeModelCall() {
      for (const meter of meters) meter.checkModelCall();
    },
    modelCalled(model, tokens) {
      addModelCall(usage, model, tokens);
      // Every meter counts the call before any of them may throw, so their totals agree with the step's usage.
      let spent: unknown;
      for (const meter of meters) {
        try {
          meter.modelCalled(tokens);
        } catch (error) {
          spent ??= error;
        }
      }
      if (spent !== undefined) throw spent;
    },
    rateLimited(ms) {
      usage.rate_limited_ms = round3((usage.rate_limited_ms ?? 0) + ms);
    },
    toolCall() {
      for (const meter of meters) meter.toolCall();
      usage.tool_calls += 1;
    },
    ...(signals.length === 0 ? {} : { signal: signals.length === 1 ? signals[0]! : AbortSignal.any(signals) }),
  };
}
