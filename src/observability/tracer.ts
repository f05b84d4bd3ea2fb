import type { TraceContext } from "./trace-context.js";

export type SpanAttributes = Record<string, string | number | boolean | undefined>;

/** One traced operation: an execution, a step attempt, a model call, a tool call. */
export interface Span {
  /** What children (in this process, or another node through a step order) are parented to. */
  readonly context: TraceContext;
  setAttributes(attributes: SpanAttributes): void;
  /** Marks the span failed with the error's code and message. */
  fail(error: { code: string; message: string }): void;
  end(): void;
}

/**
 * What the engine, cluster and gateways would call, owned here so none of them imports OpenTelemetry: an adapter over
 * `@opentelemetry/api` implements it when OTEL_* is set, and the no-op below costs nothing otherwise.
 */
export interface Tracer {
  readonly enabled: boolean;
  startSpan(name: string, options: { parent?: TraceContext | undefined; kind?: "internal" | "server" | "client"; attributes?: SpanAttributes }): Span;
}

/** Attribute names: ours, and the OpenTelemetry GenAI semantic conventions for model calls. */
export const TRACE_ATTRIBUTES = Object.freeze({
  executionId: "wfx.execution_id",
  workflowName: "wfx.workflow_name",
  stepId: "wfx.step_id",
  attempt: "wfx.attempt",
  nodeId: "wfx.node_id",
  genAiOperation: "gen_ai.operation.name",
  genAiSystem: "gen_ai.system",
  genAiModel: "gen_ai.request.model",
  genAiInputTokens: "gen_ai.usage.input_tokens",
  genAiOutputTokens: "gen_ai.usage.output_tokens",
  toolName: "gen_ai.tool.name",
});

const NOOP_SPAN_CONTEXT: TraceContext = Object.freeze({ traceId: "0".repeat(32), spanId: "0".repeat(16), sampled: false });

const NOOP_SPAN: Span = Object.freeze({
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
