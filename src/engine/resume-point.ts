import type { TraceHeaders } from "../observability/trace-context.js";
import type { ExecutionPlan } from "./plan.js";
import { traceHeadersIn } from "./trace-spans.js";
import type { ExecutionEvent } from "./types.js";
import { emptyUsage, mergeUsage, type Usage } from "./usage.js";

/** Where an adopted execution stands, read from its events: data only, so it can cross to an isolated process. */
export interface ResumePoint {
  lastSeq: number;
  /** Steps that completed before the owner died, with their outputs, by step index. */
  done: Array<[index: number, output: unknown]>;
  skipped: number[];
  /** Steps that had started and not ended when the owner died. */
  inFlight: number[];
  /** Attempts each step had made, so attempt numbers continue. */
  attempts: Array<[index: number, attempts: number]>;
  /** Who died: "process 123 on node a" — named in the resumed event and in a refusal to re-run a step. */
  lostOwner: string;
  /** What the dead owner's steps reported using: the execution's totals go on from it. */
  usage: Usage;
  /** The trace headers of the last owner's execution span: the adopter's span continues its trace under it. */
  trace?: TraceHeaders;
}

/** Folds an execution's events into the point to resume from. */
export function resumePointOf(plan: ExecutionPlan, events: readonly ExecutionEvent[], lostOwner: string): ResumePoint {
  const done = new Map<number, unknown>();
  const skipped = new Set<number>();
  const inFlight = new Set<number>();
  const attempts = new Map<number, number>();
  const usage = emptyUsage();
  let lastSeq = 0;
  let trace: TraceHeaders | undefined;
  for (const event of events) {
    lastSeq = Math.max(lastSeq, event.seq);
    if (event.type === "execution.started" || event.type === "execution.resumed") trace = traceHeadersIn(event.data) ?? trace;
    if (event.step !== undefined) mergeUsage(usage, (event.data as { usage?: Usage } | undefined)?.usage);
    const index = event.step === undefined ? undefined : plan.stepIndex.get(event.step);
    if (index === undefined) continue;
    switch (event.type) {
      case "step.started":
        inFlight.add(index);
        attempts.set(index, Math.max(attempts.get(index) ?? 0, event.attempt ?? 1));
        break;
      case "step.completed":
        inFlight.delete(index);
        done.set(index, (event.data as { output?: unknown } | undefined)?.output);
        break;
      case "step.skipped":
        done.set(index, undefined);
        skipped.add(index);
        break;
    }
  }
  return { lastSeq, done: [...done], skipped: [...skipped], inFlight: [...inFlight], attempts: [...attempts], lostOwner, usage, ...(trace === undefined ? {} : { trace }) };
}
