import type { ActorRef } from "../actors/index.js";
import type { Span } from "../observability/tracer.js";
import type { TraceHeaders } from "../observability/trace-context.js";
import type { ExecutionPlan } from "./plan.js";
import { emptyUsage, type StepUsage, type Usage } from "./usage.js";

/** Where each step of the plan stands, by index. */
export const WAITING = 0, RUNNING = 1, DONE = 2, FAILED = 3;

/** What an execution's supervisor keeps between messages: plain data, indexed by step. */
export interface SupervisorState {
  seq: number;
  waitingOn: Int32Array;
  phase: Uint8Array;
  outputs: unknown[];
  children: Map<ActorRef, number>;
  completed: number;
  finished: boolean;
  /** Attempts a step made before an adoption, so its attempt numbers continue. */
  attemptsBefore: Int32Array;
  /** Epoch ms by which the execution times out, for step orders. */
  deadlineMs: number | undefined;
  /** What the steps reported using, summed (every attempt, however short); the terminal event carries it. */
  usage: Usage;
  /** By step: what an attempt that crashed used, until its step.retrying (or step.failed) event carries it. */
  crashedAttempt: Array<StepUsage | undefined>;
  startedMs: number;
  /** When the last execution.progress event went out (the start, before the first). */
  progressMs: number;
  /** Each launched step's evaluated input (a fan-out's: its items), reported with its step.started event. */
  inputs: unknown[];
  /** The execution's span, and the trace headers its step orders and events carry (undefined: tracing off). */
  span?: Span;
  trace?: TraceHeaders | undefined;
}

/** A supervisor's state at its start, `startedMs` by its system's clock: every step waiting on its dependencies. */
export function initialState(plan: ExecutionPlan, timeoutMs: number | undefined, startedMs: number): SupervisorState {
  const total = plan.steps.length;
  return {
    seq: 0,
    waitingOn: Int32Array.from(plan.steps, (s) => s.deps.length),
    phase: new Uint8Array(total).fill(WAITING),
    outputs: new Array(total),
    children: new Map(),
    completed: 0,
    finished: false,
    attemptsBefore: new Int32Array(total),
    deadlineMs: timeoutMs === undefined ? undefined : startedMs + timeoutMs,
    usage: emptyUsage(),
    crashedAttempt: new Array(total),
    startedMs,
    progressMs: startedMs,
    inputs: new Array(total),
  };
}
