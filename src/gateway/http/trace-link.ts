import { traceUrlOf } from "../../observability/index.js";

/** An execution answer with `trace_url` added when it has a trace and the operator names a trace viewer (the dashboard links it). */
export function withTraceLink<A extends Record<string, unknown>>(answer: A, template: string | undefined): A {
  return template === undefined || typeof answer["trace_id"] !== "string" ? answer : { ...answer, trace_url: traceUrlOf(template, answer["trace_id"]) };
}
