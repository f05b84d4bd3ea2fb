import { installTracer } from "./active-tracer.js";
import { NOOP_TRACER, type Tracer } from "./tracer.js";

/** Whether the standard OTEL_* variables ask for traces: an OTLP endpoint, and OTEL_TRACES_EXPORTER not `none` (OTEL_SDK_DISABLED not true). */
export function tracingRequested(env: Record<string, string | undefined>): boolean {
  if (env["OTEL_SDK_DISABLED"]?.toLowerCase() === "true") return false;
  const exporter = env["OTEL_TRACES_EXPORTER"]?.trim().toLowerCase();
  if (exporter === "none") return false;
  const endpoint = env["OTEL_EXPORTER_OTLP_TRACES_ENDPOINT"] ?? env["OTEL_EXPORTER_OTLP_ENDPOINT"];
  return (endpoint !== undefined && endpoint.trim() !== "") || exporter === "otlp";
}

/** Settings that may carry credentials: an isolated process, which runs a caller's workflow, is not given them. */
const SECRET_SETTING = /HEADERS|CERTIFICATE|CLIENT_KEY/;

/** The OTEL_* variables of a traced process that a child process needs to export its own spans (none when untraced). */
export function tracingEnvOf(env: Record<string, string | undefined>): Record<string, string> {
  if (!tracingRequested(env)) return {};
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(env)) if (name.startsWith("OTEL_") && !SECRET_SETTING.test(name) && value !== undefined) out[name] = value;
  return out;
}

/** A node's tracing: its tracer, and the shutdown that flushes the spans not yet exported. */
export interface NodeTracing {
  tracer: Tracer;
  shutdown(): Promise<void>;
  /** Set when OTEL_* asks for an exporter other than OTLP: it is not built in, and OTLP is used instead. */
  warning?: string;
}

const OFF: NodeTracing = Object.freeze({ tracer: NOOP_TRACER, shutdown: () => Promise.resolve() });

/**
 * Starts the process's tracing as the standard OTEL_* variables ask, and installs its tracer. Off (nothing loaded,
 * no cost) unless asked; asked for, the OpenTelemetry SDK and OTLP/HTTP exporter are imported now, not before.
 */
export async function startTracing(env: Record<string, string | undefined>, serviceInstance: string | undefined, version: string | undefined): Promise<NodeTracing> {
  if (!tracingRequested(env)) return OFF;
  const { loadOtelTracer } = await import("./otel-tracer.js");
  const tracer = await loadOtelTracer(serviceInstance, version);
  const uninstall = installTracer(tracer);
  const exporter = env["OTEL_TRACES_EXPORTER"]?.trim().toLowerCase();
  const warning = exporter === undefined || exporter === "" || exporter === "otlp" ? undefined : `OTEL_TRACES_EXPORTER=${exporter} is not built in; traces go over OTLP/HTTP`;
  return {
    tracer,
    async shutdown() {
      uninstall();
      await tracer.shutdown();
    },
    ...(warning === undefined ? {} : { warning }),
  };
}
