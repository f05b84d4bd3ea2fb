import { test } from "uvu";
import * as assert from "uvu/assert";
import { join } from "node:path";
import { FIXTURES, loadSource, memoryRuntime } from "./helpers/engine-fixture.js";
import { installTracer, type SpanAttributes, type TraceContext, type Tracer } from "../src/observability/index.js";
import { activeTracer, childContext, formatTraceparent, NOOP_TRACER, parseTraceparent, startTracing, tracingRequested } from "../src/observability/index.js";

// The part of tracing that needs no OpenTelemetry package: W3C trace context in and out, and the switch that keeps
// tracing off (and free) unless OTEL_* asks for it.

const HEADER = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01";

test("tracing - a traceparent header parses and formats back unchanged", () => {
  const context = parseTraceparent(HEADER);
  assert.equal(context, { traceId: "4bf92f3577b34da6a3ce929d0e0e4736", spanId: "00f067aa0ba902b7", sampled: true });
  assert.is(formatTraceparent(context!), HEADER);
  assert.is(parseTraceparent("00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-00")!.sampled, false);
  assert.ok(parseTraceparent("01-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01-future"), "a later version may append fields");
});

test("tracing - a malformed traceparent is ignored, never an error", () => {
  for (const bad of [undefined, 42, "", "garbage", "ff-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01", "00-00000000000000000000000000000000-00f067aa0ba902b7-01", "00-4bf92f3577b34da6a3ce929d0e0e4736-0000000000000000-01", "00-4BF92F3577B34DA6A3CE929D0E0E4736-00f067aa0ba902b7-01", "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01-extra"]) {
    assert.is(parseTraceparent(bad), undefined, String(bad));
  }
});

test("tracing - a child span keeps its parent's trace and sampling, with a span id of its own", () => {
  const parent = parseTraceparent(HEADER)!;
  const child = childContext(parent);
  assert.is(child.traceId, parent.traceId);
  assert.is.not(child.spanId, parent.spanId);
  assert.match(child.spanId, /^[0-9a-f]{16}$/);
  const root = childContext(undefined);
  assert.match(root.traceId, /^[0-9a-f]{32}$/);
  assert.ok(parseTraceparent(formatTraceparent(root)), "a root context is a valid header");
});

test("tracing - off unless OTEL_* asks, and then nothing is loaded: the no-op tracer stays installed", async () => {
  assert.is(tracingRequested({}), false);
  const off = await startTracing({}, "n1", "0.0.0");
  assert.is(off.tracer, NOOP_TRACER);
  assert.is(activeTracer(), NOOP_TRACER);
  await off.shutdown();
  assert.is(NOOP_TRACER.startSpan("execution", {}), NOOP_TRACER.startSpan("step", {}), "the no-op tracer allocates nothing per span");
  assert.is(tracingRequested({ OTEL_EXPORTER_OTLP_ENDPOINT: "http://127.0.0.1:4318", OTEL_TRACES_EXPORTER: "none" }), false);
  assert.is(tracingRequested({ OTEL_EXPORTER_OTLP_ENDPOINT: "http://127.0.0.1:4318", OTEL_SDK_DISABLED: "true" }), false);
  assert.is(tracingRequested({ OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: "http://127.0.0.1:4318/v1/traces" }), true);
  assert.is(tracingRequested({ OTEL_TRACES_EXPORTER: "otlp" }), true);
});

interface RecordedSpan {
  name: string;
  parent: TraceContext | undefined;
  context: TraceContext;
  attributes: SpanAttributes;
  error?: { code: string; message: string };
  ended: number;
}

/** A tracer of the test's own, through the interface alone: what the engine starts, sets and ends, in order. */
function recordingTracer(): Tracer & { spans: RecordedSpan[] } {
  const spans: RecordedSpan[] = [];
  return {
    enabled: true,
    spans,
    startSpan(name, { parent, attributes = {} }) {
      const span: RecordedSpan = { name, parent, context: childContext(parent), attributes: { ...attributes }, ended: 0 };
      spans.push(span);
      return {
        context: span.context,
        setAttributes: (more) => Object.assign(span.attributes, more),
        fail: (error) => (span.error = error),
        end: () => span.ended++,
      };
    },
  };
}

test("tracing - an execution's span is the caller's child, each step attempt its own span under it; a crashed attempt is failed; each span ends once", async () => {
  const tracer = recordingTracer();
  const uninstall = installTracer(tracer);
  const runtime = memoryRuntime();
  try {
    const source = await loadSource(join(FIXTURES, "dashboard", "dashboard.yaml"));
    const started = runtime.start({ source, workflowName: "flaky", trace: { traceparent: HEADER, tracestate: "k=v" } });
    const record = await started.done;
    assert.is(record.status, "completed");
    assert.is(record.trace_id, "4bf92f3577b34da6a3ce929d0e0e4736", "the record names the trace");
    const [execution, ...attempts] = tracer.spans;
    assert.is(execution!.name, "execute flaky");
    assert.equal(execution!.parent, { traceId: "4bf92f3577b34da6a3ce929d0e0e4736", spanId: "00f067aa0ba902b7", sampled: true, state: "k=v" });
    assert.is(execution!.attributes["wfx.status"], "completed");
    assert.equal(attempts.map((s) => [s.name, s.attributes["wfx.attempt"], s.attributes["wfx.status"], s.error?.message]), [
      ["step shaky", 1, "crashed", "the first attempt fails on purpose"],
      ["step shaky", 2, "completed", undefined],
    ]);
    for (const attempt of attempts) assert.equal([attempt.parent?.spanId, attempt.parent?.state], [execution!.context.spanId, "k=v"]);
    assert.equal(tracer.spans.map((s) => s.ended), [1, 1, 1], "every span ended, once");
  } finally {
    uninstall();
    await runtime.close();
  }
  assert.is(activeTracer(), NOOP_TRACER, "uninstalled");
});

test.run();
