import { activeTracer } from "../observability/active-tracer.js";
import { contextOf, headersOf, type TraceHeaders } from "../observability/trace-context.js";
import { NOOP_SPAN, TRACE_ATTRIBUTES as A, type Span } from "../observability/tracer.js";
import type { StepOrder } from "./step-order.js";

/** `execution.started`'s traceparent as the record keeps it: the trace id alone (`00-<trace id>-<span id>-<flags>`). */
export function traceIdOf(traceparent: unknown): string | undefined {
  return typeof traceparent === "string" && traceparent.length >= 35 ? traceparent.slice(3, 35) : undefined;
}

/** The trace headers an event's data carries (`execution.started`, `execution.resumed`), if any. */
export function traceHeadersIn(data: unknown): TraceHeaders | undefined {
  const { traceparent, tracestate } = (data ?? {}) as { traceparent?: unknown; tracestate?: unknown };
  if (typeof traceparent !== "string") return undefined;
  return typeof tracestate === "string" ? { traceparent, tracestate } : { traceparent };
}

/**
 * One execution's span, under the caller's (`parent`, from a traceparent header) or, for an adopted execution, under the
 * span of the owner that died: the trace goes on under the same id.
 */
export function startExecutionSpan(executionId: string, workflowName: string, node: string, parent: TraceHeaders | undefined, resumed: boolean): Span {
  const tracer = activeTracer();
  if (!tracer.enabled) return NOOP_SPAN;
  return tracer.startSpan(`${resumed ? "resume" : "execute"} ${workflowName}`, {
    parent: contextOf(parent),
    kind: "server",
    attributes: { [A.executionId]: executionId, [A.workflowName]: workflowName, [A.nodeId]: node, "wfx.resumed": resumed },
  });
}

/** The execution's span and the trace headers its step orders and started event carry (none when tracing is off). */
export function executionTrace(executionId: string, workflowName: string, node: string, parent: TraceHeaders | undefined, resumed: boolean): { span: Span; trace: TraceHeaders | undefined } {
  const span = startExecutionSpan(executionId, workflowName, node, parent, resumed);
  return { span, trace: activeTracer().enabled ? headersOf(span.context) : undefined };
}

/** One attempt of a step, wherever it runs: under the execution span its order names. */
export function startStepSpan(order: StepOrder, node: string, attempt: number): Span {
  const tracer = activeTracer();
  if (!tracer.enabled) return NOOP_SPAN;
  return tracer.startSpan(`step ${order.stepId}`, {
    parent: contextOf(order),
    attributes: { [A.executionId]: order.executionId, [A.workflowName]: order.workflow.workflowName, [A.stepId]: order.stepId, [A.stepKind]: order.action.kind, [A.attempt]: attempt, [A.nodeId]: node, "wfx.iteration": order.index },
  });
}

/** Marks how the span's operation ended (`error`: it failed); ended by the actor's stop. */
export function settleSpan(span: Span, status: string, error?: { code: string; message: string }): void {
  if (span === NOOP_SPAN) return;
  span.setAttributes({ [A.status]: status });
  if (error !== undefined) span.fail(error);
}
