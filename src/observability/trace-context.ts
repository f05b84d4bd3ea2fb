import { randomBytes } from "node:crypto";

/** A W3C trace context (https://www.w3.org/TR/trace-context/): what a span hands its children, across processes too. */
export interface TraceContext {
  /** 32 lowercase hex digits, not all zero. */
  traceId: string;
  /** 16 lowercase hex digits, not all zero: the parent span's id. */
  spanId: string;
  sampled: boolean;
  /** The W3C `tracestate` (vendors' entries), passed on unchanged. */
  state?: string;
}

/** A span's context as it travels in data (requests, orders, events): the W3C headers. */
export interface TraceHeaders {
  traceparent: string;
  tracestate?: string;
}

/** Printable ASCII, at most 512 characters (the size W3C asks every vendor to accept): anything else is dropped. */
const TRACESTATE = /^[\x20-\x7e]{1,512}$/;

const TRACEPARENT = /^([0-9a-f]{2})-([0-9a-f]{32})-([0-9a-f]{16})-([0-9a-f]{2})(-.*)?$/;

/**
 * The context a `traceparent` header (HTTP, gRPC metadata, MCP `_meta.traceparent`) carries, or undefined for a
 * missing or malformed one: a caller's bad header starts a new trace, it never fails the request.
 */
export function parseTraceparent(header: unknown): TraceContext | undefined {
  if (typeof header !== "string") return undefined;
  const match = TRACEPARENT.exec(header.trim());
  if (match === null) return undefined;
  const [, version, traceId, spanId, flags, rest] = match as unknown as [string, string, string, string, string, string | undefined];
  // Version ff is invalid; version 00 has exactly four fields (later versions may append more).
  if (version === "ff" || (version === "00" && rest !== undefined)) return undefined;
  if (/^0+$/.test(traceId) || /^0+$/.test(spanId)) return undefined;
  return { traceId, spanId, sampled: (parseInt(flags, 16) & 1) === 1 };
}

/**
 * A caller's trace headers (HTTP headers, gRPC metadata or MCP `_meta` values) as we pass them on: the traceparent
 * re-formatted when valid, else none; the tracestate only with it, and only when it looks like one.
 */
export function callerTrace(traceparent: unknown, tracestate: unknown): TraceHeaders | undefined {
  const first = (value: unknown) => (Array.isArray(value) ? value.join(",") : Buffer.isBuffer(value) ? value.toString("utf8") : value);
  const context = parseTraceparent(Array.isArray(traceparent) ? traceparent[0] : first(traceparent));
  if (context === undefined) return undefined;
  const state = first(tracestate);
  return { traceparent: formatTraceparent(context), ...(typeof state === "string" && TRACESTATE.test(state.trim()) ? { tracestate: state.trim() } : {}) };
}

/** The context trace headers carry (undefined for none or a malformed traceparent). */
export function contextOf(headers: Partial<TraceHeaders> | undefined): TraceContext | undefined {
  const context = parseTraceparent(headers?.traceparent);
  return context === undefined || headers?.tracestate === undefined ? context : { ...context, state: headers.tracestate };
}

/** The headers a context travels as. */
export function headersOf(context: TraceContext): TraceHeaders {
  return context.state === undefined ? { traceparent: formatTraceparent(context) } : { traceparent: formatTraceparent(context), tracestate: context.state };
}

/** A trace viewer's address for a trace: the operator's template (`https://jaeger.example/trace/{trace_id}`) filled in. */
export function traceUrlOf(template: string, traceId: string): string {
  return template.replaceAll("{trace_id}", encodeURIComponent(traceId));
}

export function formatTraceparent(context: TraceContext): string {
  return `00-${context.traceId}-${context.spanId}-${context.sampled ? "01" : "00"}`;
}

/** A new span's context: under `parent` (same trace, new span id, its tracestate), or the root of a new trace. */
export function childContext(parent: TraceContext | undefined, random: (bytes: number) => Buffer = randomBytes): TraceContext {
  const context: TraceContext = { traceId: parent?.traceId ?? random(16).toString("hex"), spanId: random(8).toString("hex"), sampled: parent?.sampled ?? true };
  if (parent?.state !== undefined) context.state = parent.state;
  return context;
}
