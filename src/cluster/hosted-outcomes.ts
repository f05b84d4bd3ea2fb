import type { StepOrder, StepOutcome } from "../engine/index.js";

/** What a node knows of one placed step attempt it was sent. */
export type HostedStepState =
  | { state: "running" }
  | { state: "ended"; outcome: StepOutcome }
  /** Stopped without an outcome (cancelled, or the node shutting down). */
  | { state: "gone" }
  /** Never seen here, or forgotten: the order did not arrive, or this process is not the one it went to. */
  | { state: "unknown" };

/** How long an ended attempt's outcome is kept for a supervisor that missed it (a NATS outage is seconds, not this). */
const KEEP_MS = 10 * 60_000;
const MAX_ENDED = 20_000;

/** The key of one attempt of one step (or one for_each item) of one execution. */
export function attemptKey(order: Pick<StepOrder, "executionId" | "stepId" | "slot" | "attempt">): string {
  return `${order.executionId}\n${order.stepId}\n${order.slot}\n${order.attempt}`;
}

/**
 * The placed steps a node runs for supervisors elsewhere, and the outcomes of those that ended lately: a report lost
 * with the connection (nats-server restarting, a reconnect racing a resubscribe) is still answered when the supervisor
 * asks after reconnecting.
 */
export class HostedOutcomes {
  readonly #running = new Set<string>();
  /** Ended attempts in the order they ended (a Map keeps insertion order): the oldest are dropped first. */
  readonly #ended = new Map<string, { at: number; state: HostedStepState }>();

  /** `kept`: where each outcome is kept too, where a restart of this node does not lose it (readied when a step starts, so its end's write waits for nothing). */
  constructor(private readonly kept?: () => { ready(): void; keep(key: string, outcome: StepOutcome): void }) {}

  running(key: string): void {
    this.#running.add(key);
    this.kept?.().ready();
  }

  ended(key: string, outcome: StepOutcome): void {
    this.#settle(key, { state: "ended", outcome });
    this.kept?.().keep(key, outcome);
  }

  /** The attempt's actor stopped; without an outcome by then, it is gone. */
  stopped(key: string): void {
    if (this.#running.has(key)) this.#settle(key, { state: "gone" });
  }

  lookup(key: string): HostedStepState {
    if (this.#running.has(key)) return { state: "running" };
    return this.#ended.get(key)?.state ?? { state: "unknown" };
  }

  #settle(key: string, state: HostedStepState): void {
    this.#running.delete(key);
    const now = Date.now();
    this.#ended.delete(key);
    this.#ended.set(key, { at: now, state });
    for (const [old, entry] of this.#ended) {
      if (this.#ended.size <= MAX_ENDED && now - entry.at < KEEP_MS) break;
      this.#ended.delete(old);
    }
  }
}
