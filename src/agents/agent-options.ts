/** Defaults for model calls and the tool-calling loop; an agent's own `timeout` and `max_turns` take precedence. */
export interface AgentOptions {
  /** One model call, streaming included, in milliseconds. */
  timeoutMs: number;
  /** Retries of one model call after a 429, a 5xx, a timeout or a dropped connection. */
  maxRetries: number;
  /** First retry delay when the server sends no `retry-after`; then multiplied, capped and jittered. */
  backoffMs: number;
  maxBackoffMs: number;
  backoffMultiplier: number;
  jitter: number;
  /** Retries of one model call after a 429 when a rate limiter shares the pause (these do not count against maxRetries). */
  maxRateLimitedRetries: number;
  /** A `retry-after` longer than this fails the call instead of waiting. */
  maxRetryAfterMs: number;
  /** Model turns per step: each turn is one model call, with the tool calls it asks for. */
  maxTurns: number;
  /** A tool result longer than this is cut before it is sent back to the model. */
  maxToolResultChars: number;
  /** Streamed tokens are forwarded as progress at most this often (one event per interval, not per token). */
  progressIntervalMs: number;
}

export const DEFAULT_AGENT_OPTIONS: Readonly<AgentOptions> = Object.freeze({
  timeoutMs: 120_000,
  maxRetries: 3,
  maxRateLimitedRetries: 8,
  backoffMs: 500,
  maxBackoffMs: 20_000,
  backoffMultiplier: 2,
  jitter: 0.2,
  maxRetryAfterMs: 60_000,
  maxTurns: 8,
  maxToolResultChars: 20_000,
  progressIntervalMs: 100,
});

export function defaultAgentOptions(): AgentOptions {
  return { ...DEFAULT_AGENT_OPTIONS };
}

/** Fills defaults, rejects nonsense, freezes. */
export function resolveAgentOptions(options: Partial<AgentOptions> = {}): Readonly<AgentOptions> {
  const resolved = defaultAgentOptions();
  for (const [key, value] of Object.entries(options)) if (value !== undefined) (resolved as unknown as Record<string, number>)[key] = value as number;
  for (const [key, value] of Object.entries(resolved)) {
    if (typeof value !== "number" || !Number.isFinite(value) || value < 0) throw new RangeError(`AgentOptions.${key} must be a number >= 0, got ${String(value)}`);
  }
  if (resolved.maxTurns < 1) throw new RangeError("AgentOptions.maxTurns must be at least 1");
  return Object.freeze(resolved);
}
