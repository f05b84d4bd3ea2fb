import type { ActorRef } from "../actors/index.js";
import type { BudgetMeter } from "./budget.js";
import { EngineError } from "./errors.js";
import type { ExecutionPlan } from "./plan.js";
import type { ResumePoint } from "./resume-point.js";
import type { StepReport } from "./step-actor.js";
import type { StepAllowance } from "./step-allowance.js";
import type { StepHost } from "./step-host.js";
import type { WorkflowFileRef } from "./step-order.js";
import type { ExecutionEvent } from "./types.js";
import type { StepUsage, Usage } from "./usage.js";

export interface ExecutionSpec {
  executionId: string;
  plan: ExecutionPlan;
  input: unknown;
  /** Receives every event, in sequence order; locally a direct sink, remotely a ref through a transport. */
  reporter: ActorRef<ExecutionEvent>;
  /** Spawns the step actors: here by default, or wherever a cluster's host places them. */
  host: StepHost;
  /** The workflow file every step order refers to. */
  workflow: WorkflowFileRef;
  node: string;
  timeoutMs: number | undefined;
  env: Record<string, string | undefined>;
  /** A for_each over a longer list fails its step before any iteration starts. */
  maxForEachItems: number;
  /** Step actors the execution tree may still start (shared with its sub-workflows); past it the step fails WFX_STEP_LIMIT. */
  allowance: StepAllowance;
  /** Set when this supervisor adopts an execution whose owner died: it continues from there instead of starting. */
  resume?: ResumePoint;
  /** The execution's budget, shared with its steps here; the supervisor checks what steps elsewhere report against it. */
  meter?: BudgetMeter;
}

export type SupervisorMessage = StepReport | { type: "cancel"; reason?: string } | { type: "execution_timeout" };

export function forEachTooLong(stepId: string, length: number, max: number): EngineError {
  return new EngineError("WFX_FOR_EACH_TOO_LONG", `for_each of step '${stepId}' gave ${length} items; a for_each may have at most ${max} (the node's maxForEachItems)`, {
    hint: "split the list into batches (a sub-workflow per batch), or raise maxForEachItems on the node",
  });
}

export const WAITING = 0, RUNNING = 1, DONE = 2, FAILED = 3;

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
}

/** Inputs up to this size as JSON ride on step.started; a larger one is named by its size (the record and the step keep it whole). */
const SHOWN_INPUT_BYTES = 64 * 1024;

/** execution.progress goes out at most this often: each step.completed already marks a step done, the summary need not. */
export const PROGRESS_INTERVAL_MS = 100;

/** What a step.started event says: where the step runs, and its input (small ones whole, so watchers can show them). */
interface StepStartedData {
  node: string;
  input?: unknown;
  /** A large input is named by its size only (the step itself gets it whole). */
  input_bytes?: number;
  /** A fan-out step: how many items it runs over. */
  for_each?: number;
}

export function stepStartedData(node: string, input: unknown, forEach: boolean): StepStartedData {
  const data: StepStartedData = { node };
  if (input !== undefined) {
    // Numbers, booleans and short strings go as they are; anything else is measured first.
    const plain = input === null || (typeof input !== "object" && (typeof input !== "string" || input.length <= SHOWN_INPUT_BYTES / 6));
    const bytes = plain ? 0 : Buffer.byteLength(JSON.stringify(input) ?? "");
    if (bytes <= SHOWN_INPUT_BYTES) data.input = input;
    else data.input_bytes = bytes;
  }
  if (forEach && Array.isArray(input)) data.for_each = input.length;
  return data;
}

/** What an event is about besides its type: the step and attempt, and its data. */
export interface EventAbout {
  step?: string | undefined;
  attempt?: number | undefined;
  data?: unknown;
}
