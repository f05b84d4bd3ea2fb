export { AuditLog, type AuditEntry, type AuditOutcome } from "./audit-log.js";
export { createLogger, silentLogger, type Logger, type LoggerOptions } from "./logger.js";
export { Counter, Gauge, Histogram, MetricsRegistry, PROMETHEUS_CONTENT_TYPE } from "./metrics-registry.js";
export { NodeMetrics } from "./node-metrics.js";
export { knownLabel, OTHER_LABEL, type ExecutionLabels } from "./metric-labels.js";
export { isLogFormat, LOG_FORMATS, prettyDestination, prettyLogLine, type LogFormat } from "./log-format.js";
export { childContext, formatTraceparent, parseTraceparent, type TraceContext } from "./trace-context.js";
export { NOOP_TRACER, TRACE_ATTRIBUTES, type Span, type SpanAttributes, type Tracer } from "./tracer.js";
export { OTEL_PACKAGES, tracerFromEnv, tracingRequested } from "./tracing-config.js";
