import type { BackoffPolicy } from "./types.js";

/**
 * Delay before retry number `attempt` (1 = first retry): `initialMs * multiplier^(attempt-1)`, capped at `maxMs`;
 * the `jitter` share of it is randomised (full jitter), the rest is fixed. Pure: pass `random` for determinism.
 */
export function backoffDelay(policy: BackoffPolicy, attempt: number, random: () => number = Math.random): number {
  const exponent = Number.isFinite(attempt) && attempt > 1 ? Math.floor(attempt) - 1 : 0;
  const base = Math.min(policy.maxMs, policy.initialMs * Math.pow(policy.multiplier, exponent));
  const jitter = Math.min(1, Math.max(0, policy.jitter));
  return Math.round(base * (1 - jitter) + base * jitter * random());
}
