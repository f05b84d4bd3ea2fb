import type { ActorRef } from "../actors/index.js";
import type { TraceHeaders } from "../observability/trace-context.js";
import type { BudgetMeter } from "./budget.js";
import type { ExecutionPlan } from "./plan.js";
import type { ResumePoint } from "./resume-point.js";
import type { StepAllowance } from "./step-allowance.js";
import type { StepHost } from "./step-host.js";
import type { WorkflowFileRef } from "./step-order.js";
import type { ExecutionEvent } from "./types.js";

/** What one execution's supervisor is given: its plan, input, where its steps run and where its events go. */
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
  /** Events already recorded before it starts (a queued execution's `execution.queued`): its numbering goes on after them. */
  afterSeq?: number;
  /** The execution's budget, shared with its steps here; the supervisor checks what steps elsewhere report against it. */
  meter?: BudgetMeter;
  /** 0-9 (9 first): the execution's priority, carried by its step orders (steps wait under a tag's limit in it). */
  priority?: number | undefined;
  /** The caller's W3C trace headers: the execution's span is its child. */
  trace?: TraceHeaders | undefined;
}
