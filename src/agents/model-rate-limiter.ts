/** Why a model call waits: the requests or tokens bucket of a limit, or a provider's 429 (its retry-after). */
export type RateLimitReason = "requests" | "tokens" | "provider";

/** Told once per reservation, when it starts to wait (`waitMs`: the first wait foreseen, not a promise). */
export interface RateLimitWait {
  endpoint: string;
  model: string;
  waitMs: number;
  reason: RateLimitReason;
}

export interface ReserveRequest {
  /** The base URL the call goes to. */
  endpoint: string;
  model: string;
  /** Prompt characters / 4 plus `max_tokens` (or a default): corrected by `settle` once the call reported its usage. */
  estimatedTokens: number;
  /** Waiting stops with the step's cancellation or timeout. */
  signal: AbortSignal;
  onWait?(wait: RateLimitWait): void;
}

/** A model call's share, taken before the call. */
export interface Reservation {
  /** How long the reservation waited for its share. */
  readonly waitedMs: number;
  /** After the call: the tokens it really used (undefined: the endpoint did not say, so the estimate stands). */
  settle(actualTokens: number | undefined): void;
}

/**
 * Shares model endpoints' limits between every model call of a node, or of a cluster (src/cluster implements it over
 * NATS). The engine and agents know only this; waiting for a share is how a call respects the limits.
 */
export interface ModelRateLimiter {
  /** Resolves once the call may go (rejects WFX_CANCELLED when `signal` aborts first). */
  reserve(request: ReserveRequest): Promise<Reservation>;
  /** A provider answered 429 (retry-after `retryAfterMs`): every caller of that endpoint waits it out, on every node. */
  penalise(endpoint: string, retryAfterMs: number): void;
  /** Seconds waited so far, by endpoint as the operator configured it (`other` for the rest): wfx_model_rate_limit_wait_seconds. */
  waitedSeconds(): ReadonlyMap<string, number>;
  close(): void;
}

/** Completion tokens reserved for a call that sets no `max_tokens`; what it really used is settled after. */
export const DEFAULT_COMPLETION_ESTIMATE = 512;

/** A call's tokens before it is made: its prompt (messages and tool schemas) at ~4 characters a token, plus its completion's cap. */
export function estimateTokens(prompt: unknown, maxTokens: number | undefined): number {
  const chars = JSON.stringify(prompt ?? "").length;
  return Math.ceil(chars / 4) + (maxTokens ?? DEFAULT_COMPLETION_ESTIMATE);
}
