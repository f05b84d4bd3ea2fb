import { NOOP_TRACER, type Tracer } from "./tracer.js";

/** The packages an OTLP exporter needs; not dependencies of this package yet (see docs/tracing.md). */
export const OTEL_PACKAGES: readonly string[] = ["@opentelemetry/api", "@opentelemetry/sdk-trace-node", "@opentelemetry/exporter-trace-otlp-http", "@opentelemetry/resources"];

/** Whether the standard OTEL_* variables ask for traces: an OTLP endpoint, and OTEL_TRACES_EXPORTER not `none` (OTEL_SDK_DISABLED not true). */
export function tracingRequested(env: Record<string, string | undefined>): boolean {
  if (env["OTEL_SDK_DISABLED"]?.toLowerCase() === "true") return false;
  const exporter = env["OTEL_TRACES_EXPORTER"]?.trim().toLowerCase();
  if (exporter === "none") return false;
  const endpoint = env["OTEL_EXPORTER_OTLP_TRACES_ENDPOINT"] ?? env["OTEL_EXPORTER_OTLP_ENDPOINT"];
  return (endpoint !== undefined && endpoint.trim() !== "") || exporter === "otlp";
}

/**
 * The node's tracer. Off unless OTEL_* asks (then nothing is loaded, no cost); asked for, it is still off in this
 * build, which ships no exporter, and `warning` says so once at startup instead of pretending to export.
 */
export function tracerFromEnv(env: Record<string, string | undefined>): { tracer: Tracer; warning?: string } {
  if (!tracingRequested(env)) return { tracer: NOOP_TRACER };
  return { tracer: NOOP_TRACER, warning: `OTEL_* asks for traces, but this build exports none: it needs ${OTEL_PACKAGES.join(", ")} (see docs/tracing.md)` };
}
