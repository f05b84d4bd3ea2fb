import type { TraceContext } from "./trace-context.js";
import type { Span, SpanAttributes, SpanOptions, Tracer } from "./tracer.js";

/** A tracer that exports, and the shutdown that flushes what it has not sent yet. */
export interface ExportingTracer extends Tracer {
  shutdown(): Promise<void>;
}

type OtelApi = typeof import("@opentelemetry/api");
type OtelSpan = import("@opentelemetry/api").Span;

/** Drops undefined values: OpenTelemetry warns about them instead of skipping them. */
function defined(attributes: SpanAttributes): Record<string, string | number | boolean> {
  const out: Record<string, string | number | boolean> = {};
  for (const key in attributes) {
    const value = attributes[key];
    if (value !== undefined) out[key] = value;
  }
  return out;
}

class ExportedSpan implements Span {
  #ended = false;
  constructor(readonly inner: OtelSpan, readonly context: TraceContext, readonly api: OtelApi) {}

  setAttributes(attributes: SpanAttributes): void {
    this.inner.setAttributes(defined(attributes));
  }

  fail(error: { code: string; message: string }): void {
    this.inner.setAttribute("error.type", error.code);
    this.inner.setStatus({ code: this.api.SpanStatusCode.ERROR, message: `${error.code}: ${error.message}` });
  }

  end(): void {
    if (this.#ended) return;
    this.#ended = true;
    this.inner.end();
  }
}

/**
 * Loads the OpenTelemetry SDK and the OTLP/HTTP exporter (only now: an untraced node never imports them) and returns a
 * tracer over them. The exporter and batch processor read the standard OTEL_EXPORTER_OTLP_* and OTEL_BSP_* variables.
 */
export async function loadOtelTracer(serviceInstance: string | undefined, version: string | undefined): Promise<ExportingTracer> {
  const [api, sdk, exporting, resources, semconv] = await Promise.all([
    import("@opentelemetry/api"),
    import("@opentelemetry/sdk-trace-base"),
    import("@opentelemetry/exporter-trace-otlp-http"),
    import("@opentelemetry/resources"),
    import("@opentelemetry/semantic-conventions"),
  ]);
  const ours = resources.resourceFromAttributes({ [semconv.ATTR_SERVICE_NAME]: "wfx", [semconv.ATTR_SERVICE_VERSION]: version, [semconv.ATTR_SERVICE_INSTANCE_ID]: serviceInstance });
  // OTEL_SERVICE_NAME and OTEL_RESOURCE_ATTRIBUTES override ours.
  const resource = ours.merge(resources.detectResources({ detectors: [resources.envDetector] }));
  const provider = new sdk.BasicTracerProvider({ resource, spanProcessors: [new sdk.BatchSpanProcessor(new exporting.OTLPTraceExporter())] });
  const tracer = provider.getTracer("wfx", version);
  const kinds = { internal: api.SpanKind.INTERNAL, server: api.SpanKind.SERVER, client: api.SpanKind.CLIENT } as const;
  return {
    enabled: true,
    startSpan(name: string, options: SpanOptions): Span {
      const { parent } = options;
      const parentContext = parent === undefined ? api.ROOT_CONTEXT : api.trace.setSpanContext(api.ROOT_CONTEXT, { traceId: parent.traceId, spanId: parent.spanId, traceFlags: parent.sampled ? 1 : 0, isRemote: true, ...(parent.state === undefined ? {} : { traceState: api.createTraceState(parent.state) }) });
      const inner = tracer.startSpan(name, { kind: kinds[options.kind ?? "internal"], attributes: defined(options.attributes ?? {}) }, parentContext);
      const own = inner.spanContext();
      const state = own.traceState?.serialize();
      return new ExportedSpan(inner, { traceId: own.traceId, spanId: own.spanId, sampled: (own.traceFlags & 1) === 1, ...(state === undefined || state === "" ? {} : { state }) }, api);
    },
    shutdown: () => provider.shutdown(),
  };
}
