import type { IncomingMessage, ServerResponse } from "node:http";
import type { ExecutionEvent } from "../../engine/internal.js";
import { encodedOnce, eventAnswer, executionAnswer, followExecution, statusMessage, type CallContext, type Operations, type ServerPaths } from "../operations/index.js";
import { sendError, sendJson } from "./respond.js";
import { withTraceLink } from "./trace-link.js";

const HEARTBEAT_MS = 15_000;

/** Where a (re)connecting SSE client resumes: `?after_seq=`, else the Last-Event-ID header, else the start. */
export function afterSeqOf(req: IncomingMessage, url: URL): number {
  const raw = url.searchParams.get("after_seq") ?? (req.headers["last-event-id"] as string | undefined) ?? "0";
  const n = Number(raw);
  return Number.isInteger(n) && n >= 0 ? n : 0;
}

/** An event as one SSE message, encoded once for all of a gateway's watchers (see sseFrames). */
export type SseFrame = (event: ExecutionEvent) => string;

/** One gateway's encoder: the same event object (as the fan-out hands every watcher in step) is stringified once. */
export function sseFrames(paths: ServerPaths): SseFrame {
  return encodedOnce((event) => `id: ${event.seq}\nevent: ${event.type}\ndata: ${JSON.stringify(eventAnswer(event, paths))}\n\n`);
}

/**
 * `GET /executions/ID/events`: Server-Sent Events, past events first (after `?after_seq=` or `Last-Event-ID`, so a
 * reconnecting EventSource resumes by itself), then live ones, then an `end` event carrying the final record.
 */
export async function serveExecutionEvents(req: IncomingMessage, res: ServerResponse, url: URL, executionId: string, operations: Operations, ctx: CallContext, frame: SseFrame, traceUrlTemplate?: string): Promise<void> {
  let status: Record<string, unknown>;
  try {
    status = await operations.call("check_execution_status", { execution_id: executionId }, ctx);
  } catch (error) {
    sendError(res, error, operations.deps.paths);
    return;
  }
  if (status["status"] === "not_found") {
    sendJson(res, 404, status);
    return;
  }
  const release = holdWatcher(res, operations, ctx);
  if (release === undefined) return;
  res.writeHead(200, { "content-type": "text/event-stream; charset=utf-8", "cache-control": "no-cache", connection: "keep-alive", "x-accel-buffering": "no" });
  res.write(": stream open\n\n");
  const heartbeat = setInterval(() => res.write(": keep-alive\n\n"), HEARTBEAT_MS);
  const sink = {
    write: (event: ExecutionEvent) => res.write(frame(event)),
    onDrain: (resume: () => void) => void res.once("drain", resume),
  };
  try {
    // ctx.signal aborts when the client goes away.
    const record = await followExecution(operations.deps, "sse", executionId, afterSeqOf(req, url), sink, ctx.signal);
    if (record && !ctx.signal?.aborted) res.write(`event: end\ndata: ${JSON.stringify(withTraceLink(executionAnswer(record, statusMessage(record, operations.deps.paths), operations.deps.paths), traceUrlTemplate))}\n\n`);
  } catch (error) {
    res.write(`event: error\ndata: ${JSON.stringify({ message: operations.deps.paths.text((error as Error).message) })}\n\n`);
  } finally {
    clearInterval(heartbeat);
    release();
    res.end();
  }
}

/** Takes one of the caller's watches, or answers the refusal (429 / 503) and returns undefined: before any header goes out. */
export function holdWatcher(res: ServerResponse, operations: Operations, ctx: CallContext): (() => void) | undefined {
  try {
    return operations.deps.watchers.acquire(ctx.principal);
  } catch (error) {
    sendError(res, error, operations.deps.paths);
    return undefined;
  }
}
