import type { ModelLimit } from "../config/index.js";

/**
 * A limit as bucket math takes it: per-millisecond refill rates and capacities, of requests and of tokens (undefined:
 * that dimension is not limited). Plain data, so every node computes the same from the same state.
 */
export interface BucketLimit {
  requestsPerMs?: number;
  requestCapacity?: number;
  tokensPerMs?: number;
  tokenCapacity?: number;
}

/** What a bucket holds at `at` (epoch ms); levels may be negative (a call that cost more than estimated owes it). */
export interface BucketLevel {
  requests: number;
  tokens: number;
  at: number;
}

/** What one model call takes: one request and its estimated tokens. */
export interface BucketCost {
  requests: number;
  tokens: number;
}

/** Not taken: how long until the bucket holds the cost, and which of its dimensions is short. */
export interface BucketWait {
  waitMs: number;
  reason: "requests" | "tokens";
}

const MS_PER_MINUTE = 60_000;

/**
 * Seconds of the limit kept out of the burst: a share is taken a moment before the provider sees the call, and a node
 * that stalls in between (GC, a loaded machine) must not push the calls the provider counts in a window past the limit.
 */
export const SEND_MARGIN_S = 2;

/** An operator's limit as rates and capacities: `burst_s` seconds of the limit less the send margin, and at least one call. */
export function bucketLimitOf(limit: Pick<ModelLimit, "requests_per_minute" | "tokens_per_minute" | "burst_s">): BucketLimit {
  const out: BucketLimit = {};
  const rpm = limit.requests_per_minute;
  const tpm = limit.tokens_per_minute;
  const burstS = limit.burst_s - SEND_MARGIN_S;
  if (rpm !== undefined) Object.assign(out, { requestsPerMs: rpm / MS_PER_MINUTE, requestCapacity: Math.max(1, (rpm * burstS) / 60) });
  if (tpm !== undefined) Object.assign(out, { tokensPerMs: tpm / MS_PER_MINUTE, tokenCapacity: Math.max(1, (tpm * burstS) / 60) });
  return out;
}

/** One of `n` equal shares of a limit: what a node may spend alone while the shared bucket cannot be reached. */
export function shareOf(limit: BucketLimit, n: number): BucketLimit {
  const k = Math.max(1, n);
  const out: BucketLimit = {};
  if (limit.requestsPerMs !== undefined) Object.assign(out, { requestsPerMs: limit.requestsPerMs / k, requestCapacity: limit.requestCapacity! / k });
  if (limit.tokensPerMs !== undefined) Object.assign(out, { tokensPerMs: limit.tokensPerMs / k, tokenCapacity: limit.tokenCapacity! / k });
  return out;
}

/** A bucket as first seen: full (the start burst the capacity allows). */
export function fullLevel(limit: BucketLimit, now: number): BucketLevel {
  return { requests: limit.requestCapacity ?? 0, tokens: limit.tokenCapacity ?? 0, at: now };
}

/** An empty bucket: a share taken up in a hurry starts with nothing, so it adds no burst of its own. */
export function emptyLevel(now: number): BucketLevel {
  return { requests: 0, tokens: 0, at: now };
}

/** The level at `now`: refilled at the rates, never above capacity; a clock behind the last writer refills nothing. */
export function refill(level: BucketLevel, limit: BucketLimit, now: number): BucketLevel {
  const elapsed = Math.max(0, now - level.at);
  const fill = (value: number, rate: number | undefined, capacity: number | undefined) => (rate === undefined ? 0 : Math.min(capacity!, value + elapsed * rate));
  return { requests: fill(level.requests, limit.requestsPerMs, limit.requestCapacity), tokens: fill(level.tokens, limit.tokensPerMs, limit.tokenCapacity), at: Math.max(level.at, now) };
}

/** How long until `have` reaches `need` at `rate`, in whole milliseconds (0: now). */
function msUntil(have: number, need: number, rate: number | undefined): number {
  if (rate === undefined || have >= need) return 0;
  return Math.ceil((need - have) / rate);
}

/**
 * Takes `cost` if the bucket holds it at `now`: a cost above the capacity is taken once the bucket is full, leaving it
 * in debt (so a call larger than the burst still runs, and the rate over time holds). Else says how long to wait.
 */
export function take(level: BucketLevel, limit: BucketLimit, cost: BucketCost, now: number): { taken: BucketLevel } | BucketWait {
  const current = refill(level, limit, now);
  const forRequests = msUntil(current.requests, Math.min(cost.requests, limit.requestCapacity ?? 0), limit.requestsPerMs);
  const forTokens = msUntil(current.tokens, Math.min(cost.tokens, limit.tokenCapacity ?? 0), limit.tokensPerMs);
  if (forRequests + forTokens > 0) return forRequests >= forTokens ? { waitMs: forRequests, reason: "requests" } : { waitMs: forTokens, reason: "tokens" };
  return {
    taken: {
      requests: limit.requestsPerMs === undefined ? 0 : current.requests - cost.requests,
      tokens: limit.tokensPerMs === undefined ? 0 : current.tokens - cost.tokens,
      at: current.at,
    },
  };
}

/** After a call: `tokens` more were spent than reserved (negative: fewer, given back up to the capacity). */
export function adjustTokens(level: BucketLevel, limit: BucketLimit, tokens: number, now: number): BucketLevel {
  if (limit.tokensPerMs === undefined || tokens === 0) return level;
  const current = refill(level, limit, now);
  return { ...current, tokens: Math.min(limit.tokenCapacity!, current.tokens - tokens) };
}
