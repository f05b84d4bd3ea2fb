import type { Runtime, WorkflowSource } from "../../src/engine/index.js";
import { median } from "./stats.js";

export interface ThroughputResult {
  /** Completed executions per second, one figure per round. */
  perSecond: number[];
  medianPerSecond: number;
  completed: number;
  failed: number;
  /** Most executions seen in flight at once (should equal the requested concurrency). */
  maxInFlight: number;
}

/**
 * Keeps `concurrency` executions in flight at all times (a new one starts as each finishes, via `start(...).done`),
 * untimed for `warmupMs`, then counts completions in `rounds` rounds of `roundMs`. The rounds are cut on completion
 * callbacks, not on timers, so a busy event loop cannot stretch a round unnoticed.
 */
export function closedLoop(runtime: Runtime, source: WorkflowSource, workflowName: string, opts: { concurrency: number; warmupMs: number; roundMs: number; rounds: number }): Promise<ThroughputResult> {
  return new Promise((resolve, reject) => {
    const perSecond: number[] = [];
    let inFlight = 0;
    let maxInFlight = 0;
    let completed = 0;
    let failed = 0;
    let stopping = false;
    let phaseStart = performance.now();
    let phaseEnd = phaseStart + opts.warmupMs;
    let warm = false;
    let inRound = 0;

    const launch = (): void => {
      inFlight++;
      if (inFlight > maxInFlight) maxInFlight = inFlight;
      runtime.start({ source, workflowName, input: { value: 1 } }).done.then(onDone, (error: unknown) => {
        stopping = true;
        reject(error);
      });
    };

    const onDone = (record: { status: string }): void => {
      inFlight--;
      if (record.status === "completed") completed++;
      else failed++;
      inRound++;
      const now = performance.now();
      if (now >= phaseEnd && !stopping) {
        if (warm) perSecond.push((inRound * 1000) / (now - phaseStart));
        warm = true;
        inRound = 0;
        phaseStart = now;
        phaseEnd = now + opts.roundMs;
        if (perSecond.length === opts.rounds) stopping = true;
      }
      if (!stopping) launch();
      else if (inFlight === 0) resolve({ perSecond, medianPerSecond: median(perSecond), completed, failed, maxInFlight });
    };

    for (let i = 0; i < opts.concurrency; i++) launch();
  });
}
