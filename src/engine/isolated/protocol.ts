import type { AgentOptions, RateLimitWait } from "../../agents/index.js";
import type { AgentEndpoint, CallerPolicy, WorkflowFile } from "../../config/index.js";
import type { WorkflowExecutorMethod } from "../../tools/index.js";
import type { LimitsOptions } from "../limits-options.js";
import type { ResumePoint } from "../resume-point.js";
import type { ResolvedBudget } from "../budget.js";
import type { ErrorInfo } from "../types.js";
import type { TraceHeaders } from "../../observability/trace-context.js";

/** Messages between a runtime and the isolated process it starts (Node IPC, v8 serialization). */

export interface ExecuteOrder {
  t: "execute";
  executionId: string;
  file: WorkflowFile;
  filePath: string | undefined;
  workflowName: string;
  input: unknown;
  timeoutMs: number | undefined;
  /** Only the variables the workflow references as `${env.X}` (or `${X}` in tool and agent definitions): the process itself runs with a scrubbed environment. */
  env: Record<string, string | undefined>;
  /** Model endpoints of the file's agents, resolved in the parent: the scrubbed environment does not carry them. */
  agentEndpoints: Record<string, AgentEndpoint>;
  agentOptions: AgentOptions;
  /** Set when the execution was adopted from a dead owner: where its supervisor continues from. */
  resume?: ResumePoint;
  /** Events recorded before it started (it was queued): its numbering goes on after them. */
  afterSeq?: number;
  /** The execution's budget, resolved in the parent. */
  budget?: ResolvedBudget;
  /** Set for a workflow a caller sent: the operator's policy, which bounds its tools there too. */
  caller?: CallerPolicy;
  /** Input, inline-workflow and for_each caps, the same as the parent's. */
  limits: LimitsOptions;
  /** Address of the parent's observer actor that receives the execution's events. */
  reporter: string;
  parentSystemId: string;
  node: string;
  /** Whether the parent has an executor for `mcpworkflow_executor` tools; their calls are forwarded to it. */
  executor: boolean;
  /** The caller's W3C trace headers: the execution's span, exported by the isolated process, is its child. */
  trace?: TraceHeaders;
}

/** An actor message crossing the process boundary, in either direction. */
export interface ActorEnvelope {
  t: "actor";
  address: string;
  message: unknown;
}

/** An `mcpworkflow_executor` call made inside the isolated process, run by the parent's executor. */
export interface ExecutorCall {
  t: "executor_call";
  id: number;
  method: WorkflowExecutorMethod;
  params: Record<string, unknown>;
  executionId: string | undefined;
}

/** The caller stopped waiting (its step was cancelled): the parent aborts the call. */
export interface ExecutorCancel {
  t: "executor_cancel";
  id: number;
}

export type ExecutorReply = { t: "executor_reply"; id: number; ok: true; value: unknown } | { t: "executor_reply"; id: number; ok: false; error: ErrorInfo };

/** A model call in the isolated process waits for its share on the node's rate limiter (the node's, or its cluster's). */
export interface LimitReserve {
  t: "limit_reserve";
  id: number;
  endpoint: string;
  model: string;
  estimatedTokens: number;
}

/** What the isolated process tells the node's limiter about a reservation, or a provider's pause. */
export type LimitNotice = { t: "limit_cancel"; id: number } | { t: "limit_settle"; id: number; actualTokens: number | undefined } | { t: "limit_penalise"; endpoint: string; retryAfterMs: number };

/** The parent's answers: the share was granted (or the wait failed), and, before that, that the call waits. */
export type LimitReply = { t: "limit_reply"; id: number; ok: true; waitedMs: number } | { t: "limit_reply"; id: number; ok: false; error: ErrorInfo } | { t: "limit_wait"; id: number; wait: RateLimitWait };

export type ToChild = ExecuteOrder | ActorEnvelope | ExecutorReply | LimitReply;
/** `ready`: started and waiting for an order; `bye`: everything before it has been sent, exiting. */
export type ToParent = { t: "ready" } | { t: "bye" } | ActorEnvelope | ExecutorCall | ExecutorCancel | LimitReserve | LimitNotice;

/** The address of the supervisor an isolated process runs for `executionId`. */
export function isolatedSystemId(pid: number): string {
  return `isolated-${pid}`;
}
