import type { TraceContext } from "./trace-context.js";

export type SpanAttributes = Record<string, string | number | boolean | undefined>;

/** One traced operation: an execution, a step attempt, a model call, a tool call. */
export interface Span {
  /** What children (in this process, or another node through a step order) are parented to. */
  readonly context: TraceContext;
  setAttributes(attributes: SpanAttributes): void;
  /** Marks the span failed with the error's code and message. */
  fail(error: { code: string; message: string }): void;
  /** Ends the span; a second call does nothing (an actor's end and its stop hook may both end it). */
  end(): void;
}

export interface SpanOptions {
  parent?: TraceContext | undefined;
  kind?: "internal" | "server" | "client";
  attributes?: SpanAttributes;
}

/**
 * What the engine, cluster and gateways call, owned here so none of them imports OpenTelemetry: an adapter over
 * `@opentelemetry/api` implements it when OTEL_* is set (otel-tracer.ts), and the no-op below costs nothing otherwise.
 */
export interface Tracer {
  readonly enabled: boolean;
  startSpan(name: string, options: SpanOptions): Span;
}

/** Attribute names: ours, and the OpenTelemetry GenAI semantic conventions for model and tool calls. */
export const TRACE_ATTRIBUTES = Object.freeze({
  executionId: "wfx.execution_id",
  workflowName: "wfx.workflow",
  stepId: "wfx.step_id",
  stepKind: "wfx.step_kind",
  attempt: "wfx.attempt",
  nodeId: "wfx.node_id",
  status: "wfx.status",
  genAiOperation: "gen_ai.operation.name",
  genAiSystem: "gen_ai.system",
  genAiProvider: "gen_ai.provider.name",
  genAiModel: "gen_ai.request.model",
  genAiInputTokens: "gen_ai.usage.input_tokens",
  genAiOutputTokens: "gen_ai.usage.output_tokens",
  genAiFinishReasons: "gen_ai.response.finish_reasons",
  genAiAgentName: "gen_ai.agent.name",
  toolName: "gen_ai.tool.name",
  toolCallId: "gen_ai.tool.call.id",
  errorType: "error.type",
});

const NOOP_SPAN_CONTEXT: TraceContext = Object.freeze({ traceId: "0".repeat(32), spanId: "0".repeat(16), sampled: false });

/** The span every call of the no-op tracer returns. */
export const NOOP_SPAN: Span = Object.freeze({
  context: NOOP_SPAN_CONTEXT,
  setAttributes() {},
  fail() {},
  end() {},
});

/** Tracing off: every call returns one frozen span, so an untraced node allocates nothing per operation. */
export const NOOP_TRACER: Tracer = Object.freeze({
  enabled: false,
  startSpan: () => NOOP_SPAN,
});
