import type { IncomingMessage, ServerResponse } from "node:http";
import type { NodeEvent } from "../../engine/internal.js";
import { mayUseNode } from "../auth/index.js";
import type { CallContext, Operations } from "../operations/index.js";
import { afterSeqOf, holdWatcher } from "./execution-events-sse.js";
import { sendError } from "./respond.js";

const HEARTBEAT_MS = 15_000;

/**
 * `GET /nodes/events`: Server-Sent Events of the node registry's watch (`node.up`, `node.updated`, `node.down`), the
 * current nodes first; only the nodes the token may use. list_nodes is called first so the scopes are checked and audited.
 */
export async function serveNodeEvents(req: IncomingMessage, res: ServerResponse, url: URL, operations: Operations, ctx: CallContext): Promise<void> {
  try {
    await operations.call("list_nodes", {}, ctx);
  } catch (error) {
    sendError(res, error, operations.deps.paths);
    return;
  }
  const release = holdWatcher(res, operations, ctx);
  if (release === undefined) return;
  res.writeHead(200, { "content-type": "text/event-stream; charset=utf-8", "cache-control": "no-cache", connection: "keep-alive", "x-accel-buffering": "no" });
  res.write(": stream open\n\n");
  const heartbeat = setInterval(() => res.write(": keep-alive\n\n"), HEARTBEAT_MS);
  const unsubscribe = operations.deps.registry.watch(afterSeqOf(req, url), (event: NodeEvent) => {
    if (!mayUseNode(ctx.principal, event.node.tags)) return;
    res.write(`id: ${event.seq}\nevent: ${event.type}\ndata: ${JSON.stringify(event)}\n\n`);
  });
  await new Promise<void>((resolve) => {
    if (ctx.signal?.aborted) return resolve();
    ctx.signal?.addEventListener("abort", () => resolve(), { once: true });
    res.once("close", () => resolve());
  });
  unsubscribe();
  clearInterval(heartbeat);
  release();
  res.end();
}
