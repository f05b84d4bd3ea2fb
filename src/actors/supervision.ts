import { InvalidActorOptionError } from "./errors.js";
import type { SupervisionPolicy } from "./types.js";

export const STOP_POLICY: SupervisionPolicy = Object.freeze({ kind: "stop" });

/** Policies are usually shared constants: each object is validated once. */
const checked = new WeakSet<SupervisionPolicy>();

function invalid(what: string): never {
  throw new InvalidActorOptionError(`invalid supervision policy: ${what}`, 'use {kind:"stop"}, {kind:"escalate"} or {kind:"restart", maxRestarts, withinMs, backoff}');
}

function isNonNegative(n: unknown): boolean {
  return typeof n === "number" && n >= 0;
}

/** The policy a parent applies to a child, validated; `{kind:"stop"}` when absent. */
export function resolveSupervision(policy: SupervisionPolicy | undefined): SupervisionPolicy {
  if (policy === undefined) return STOP_POLICY;
  if (checked.has(policy)) return policy;
  if (policy.kind === "restart") {
    if (!Number.isInteger(policy.maxRestarts) || policy.maxRestarts < 0) invalid("maxRestarts must be an integer >= 0");
    if (!(policy.withinMs > 0)) invalid("withinMs must be > 0 (Infinity allowed)");
    const b = policy.backoff;
    if (b === null || typeof b !== "object") invalid("backoff is required");
    if (!isNonNegative(b.initialMs) || !Number.isFinite(b.initialMs)) invalid("backoff.initialMs must be a finite number >= 0");
    if (!isNonNegative(b.maxMs) || b.maxMs < b.initialMs) invalid("backoff.maxMs must be >= initialMs");
    if (!(b.multiplier >= 1)) invalid("backoff.multiplier must be >= 1");
    if (!(b.jitter >= 0 && b.jitter <= 1)) invalid("backoff.jitter must be within 0..1");
  } else if (policy.kind !== "stop" && policy.kind !== "escalate") {
    invalid(`unknown kind ${JSON.stringify((policy as { kind: unknown }).kind)}`);
  }
  checked.add(policy);
  return policy;
}

/** A mailbox capacity: a positive integer or Infinity. */
export function resolveCapacity(capacity: number | undefined, fallback: number): number {
  if (capacity === undefined) return fallback;
  if (!(capacity >= 1) || (!Number.isInteger(capacity) && capacity !== Number.POSITIVE_INFINITY)) {
    throw new InvalidActorOptionError(`invalid mailboxCapacity ${capacity}`, "use a positive integer, or Infinity for unbounded");
  }
  return capacity;
}

/** Failures in a fixed window that opens at the first failure and closes `withinMs` later. */
export class RestartWindow {
  private count = 0;
  private openedAt = 0;

  /** Records a failure at `now`; returns how many the current window holds, this one included. */
  record(now: number, withinMs: number): number {
    if (this.count === 0 || now - this.openedAt > withinMs) {
      this.openedAt = now;
      this.count = 0;
    }
    return ++this.count;
  }
}
