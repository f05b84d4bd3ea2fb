/** What a step or an execution used: plain JSON data, so it travels in events, records, answers and across nodes. */

export interface TokenCounts {
  prompt_tokens: number;
  completion_tokens: number;
  total_tokens: number;
}

/** One model's share: the tokens its endpoint reported, and how many of its calls reported none (never guessed). */
export interface ModelUsage extends TokenCounts {
  calls: number;
  unknown_usage_calls: number;
}

export interface Usage {
  /** Summed over every model call the endpoint reported usage for. */
  tokens: TokenCounts;
  /** Keyed by the model name each call was sent. */
  by_model: Record<string, ModelUsage>;
  model_calls: number;
  /** Model calls whose answer carried no `usage`: their tokens are not in the totals. */
  unknown_usage_calls: number;
  tool_calls: number;
  /** Milliseconds model calls waited for their share of rate limits (or a provider's pause); summed over steps. */
  rate_limited_ms?: number;
  /** Milliseconds of wall-clock time. */
  wall_ms?: number;
  /** Milliseconds of CPU (user + system) of the process while it ran; concurrent steps in one process share it. */
  cpu_ms?: number;
  /** Isolated executions: what the child process itself measured (process.resourceUsage()). */
  isolated?: { cpu_ms: number; peak_rss_bytes: number };
  /** From the node profile's `prices`; an estimate, never a bill. */
  estimated_cost?: EstimatedCost;
}

/** A step attempt's usage: always its timings; the counts only when a service counted something (agent steps). */
export type StepUsage = Partial<Usage> & { wall_ms: number; cpu_ms: number };

export interface EstimatedCost {
  amount: number;
  currency: string;
  /** Always true: the figure comes from a price table, not from the provider. */
  estimate: true;
  /** Models the price table has no entry for: their tokens are not in the amount. */
  unpriced_models?: string[];
}

export function emptyUsage(): Usage {
  return { tokens: { prompt_tokens: 0, completion_tokens: 0, total_tokens: 0 }, by_model: {}, model_calls: 0, unknown_usage_calls: 0, tool_calls: 0 };
}

function addTokens(into: TokenCounts, from: TokenCounts): void {
  into.prompt_tokens += from.prompt_tokens;
  into.completion_tokens += from.completion_tokens;
  into.total_tokens += from.total_tokens;
}

/** Counts one model call into `usage` (in place); `tokens` undefined: the endpoint reported none. */
export function addModelCall(usage: Usage, model: string, tokens: TokenCounts | undefined): Usage {
  const share = (usage.by_model[model] ??= { prompt_tokens: 0, completion_tokens: 0, total_tokens: 0, calls: 0, unknown_usage_calls: 0 });
  share.calls += 1;
  usage.model_calls += 1;
  if (tokens === undefined) {
    share.unknown_usage_calls += 1;
    usage.unknown_usage_calls += 1;
  } else {
    addTokens(share, tokens);
    addTokens(usage.tokens, tokens);
  }
  return usage;
}

/**
 * Adds the counts of `from` to `into` (in place) and returns `into`: tokens, calls and CPU time sum; wall time and the
 * isolated figures are the execution's own and are not summed from steps. Tolerates partial data from older nodes.
 */
export function mergeUsage(into: Usage, from: Partial<Usage> | undefined): Usage {
  if (from === undefined) return into;
  if (from.tokens !== undefined) addTokens(into.tokens, from.tokens);
  if (from.by_model !== undefined) {
    for (const model of Object.keys(from.by_model)) {
      const share = from.by_model[model]!;
      const mine = (into.by_model[model] ??= { prompt_tokens: 0, completion_tokens: 0, total_tokens: 0, calls: 0, unknown_usage_calls: 0 });
      addTokens(mine, share);
      mine.calls += share.calls ?? 0;
      mine.unknown_usage_calls += share.unknown_usage_calls ?? 0;
    }
  }
  into.model_calls += from.model_calls ?? 0;
  into.unknown_usage_calls += from.unknown_usage_calls ?? 0;
  into.tool_calls += from.tool_calls ?? 0;
  if (from.cpu_ms !== undefined) into.cpu_ms = (into.cpu_ms ?? 0) + from.cpu_ms;
  if (from.rate_limited_ms !== undefined) into.rate_limited_ms = round3((into.rate_limited_ms ?? 0) + from.rate_limited_ms);
  return into;
}

/** Whether anything beyond timings was counted: steps that only ran code carry no token figures. */
export function countedWork(usage: Partial<Usage> | undefined): boolean {
  return usage !== undefined && ((usage.model_calls ?? 0) > 0 || (usage.tool_calls ?? 0) > 0);
}

/** Steps that count nothing and take less than this carry no usage of their own: such timings are noise, and cost a no-op step its speed. */
export const STEP_USAGE_FLOOR_MS = 1;

/** Whether a step's usage goes in its event and record (its execution's totals count it either way). */
export function worthRecording(usage: StepUsage): boolean {
  return usage.wall_ms >= STEP_USAGE_FLOOR_MS || usage.cpu_ms >= STEP_USAGE_FLOOR_MS || countedWork(usage);
}

/** A step's usage over its attempts: `attempt` added to what the earlier ones used (wall and CPU time sum too). */
export function addAttempt(earlier: StepUsage | undefined, attempt: StepUsage): StepUsage {
  if (earlier === undefined) return attempt;
  const sum = mergeUsage(mergeUsage(emptyUsage(), earlier), attempt);
  return { ...sum, wall_ms: round3(earlier.wall_ms + attempt.wall_ms), cpu_ms: round3(earlier.cpu_ms + attempt.cpu_ms) };
}

/** Milliseconds to the microsecond, as usage shows them. */
export function round3(ms: number): number {
  return Math.round(ms * 1000) / 1000;
}

/** Milliseconds of CPU (user + system) this process has used, for differences. */
export function processCpuMs(): number {
  const { user, system } = process.cpuUsage();
  return (user + system) / 1000;
}

/** "1,234 tokens (1,000 prompt + 234 completion) in 3 model calls, 2 tool calls, …" — the line `wfx` prints. */
export function describeUsage(usage: Partial<Usage>): string {
  const n = (value: number) => value.toLocaleString("en-US");
  const calls = usage.model_calls ?? 0;
  const tokens = usage.tokens ?? { prompt_tokens: 0, completion_tokens: 0, total_tokens: 0 };
  const parts = [calls === 0 ? "no model calls" : `${n(tokens.total_tokens)} tokens (${n(tokens.prompt_tokens)} prompt + ${n(tokens.completion_tokens)} completion) in ${n(calls)} model call${calls === 1 ? "" : "s"}`];
  if ((usage.unknown_usage_calls ?? 0) > 0) parts.push(`${n(usage.unknown_usage_calls!)} without usage reported (their tokens are unknown)`);
  if ((usage.rate_limited_ms ?? 0) > 0) parts.push(`waited ${n(Math.round(usage.rate_limited_ms!))} ms for rate limits`);
  if ((usage.tool_calls ?? 0) > 0) parts.push(`${n(usage.tool_calls!)} tool call${usage.tool_calls === 1 ? "" : "s"}`);
  if (usage.wall_ms !== undefined) parts.push(`wall ${n(Math.round(usage.wall_ms))} ms`);
  const cpu = usage.isolated?.cpu_ms ?? usage.cpu_ms;
  if (cpu !== undefined) parts.push(`cpu ${n(Math.round(cpu))} ms`);
  if (usage.isolated !== undefined) parts.push(`peak rss ${(usage.isolated.peak_rss_bytes / (1024 * 1024)).toFixed(1)} MiB`);
  if (usage.estimated_cost !== undefined) parts.push(`estimated cost ${usage.estimated_cost.amount.toFixed(4)} ${usage.estimated_cost.currency} (estimate)`);
  return parts.join(", ");
}
