import { randomBytes } from "node:crypto";

/** A W3C trace context (https://www.w3.org/TR/trace-context/): what a span hands its children, across processes too. */
export interface TraceContext {
  /** 32 lowercase hex digits, not all zero. */
  traceId: string;
  /** 16 lowercase hex digits, not all zero: the parent span's id. */
  spanId: string;
  sampled: boolean;
}

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

/** A caller's traceparent (header, metadata or `_meta` value) as we pass it on: re-formatted when valid, else dropped. */
export function callerTraceparent(value: unknown): string | undefined {
  const context = parseTraceparent(Array.isArray(value) ? value[0] : value);
  return context === undefined ? undefined : formatTraceparent(context);
}

/** A trace viewer's address for a trace: the operator's template (`https://jaeger.example/trace/{trace_id}`) filled in. */
export function traceUrlOf(template: string, traceId: string): string {
  return template.replaceAll("{trace_id}", encodeURIComponent(traceId));
}

export function formatTraceparent(context: TraceContext): string {
  return `00-${context.traceId}-${context.spanId}-${context.sampled ? "01" : "00"}`;
}

/** A new span's context: under `parent` (same trace, new span id), or the root of a new trace. */
export function childContext(parent: TraceContext | undefined, random: (bytes: number) => Buffer = randomBytes): TraceContext {
  return { traceId: parent?.traceId ?? random(16).toString("hex"), spanId: random(8).toString("hex"), sampled: parent?.sampled ?? true };
}
