import type * as grpc from "@grpc/grpc-js";
import { executionNotFound, type ExecutionEvent } from "../../engine/internal.js";
import type { NodeMetrics } from "../../observability/index.js";
import type { TokenStore } from "../auth/index.js";
import { mayUseNode, requireScopes } from "../auth/index.js";
import { followExecution, type Operations } from "../operations/index.js";
import type { NodeRegistry } from "../../engine/internal.js";
import { authenticate, callContext, toServiceError } from "./call-context.js";
import { nodeEventMessage } from "./convert.js";

type Stream = grpc.ServerWritableStream<Record<string, unknown>, unknown>;

export interface StreamDeps {
  operations: Operations;
  tokens: TokenStore;
  registry: NodeRegistry;
  metrics: NodeMetrics;
}

/**
 * WatchExecution: replay after `after_seq`, then live; a full client pauses the follower instead of queueing here.
 * `encodeEvent` encodes an event once for all watchers (see grpc-gateway.ts).
 */
export async function watchExecution(call: Stream, deps: StreamDeps, encodeEvent: (event: ExecutionEvent) => Buffer): Promise<void> {
  let release: (() => void) | undefined;
  try {
    const principal = authenticate(call, deps.tokens, deps.operations, "WatchExecution");
    const ctx = callContext(call, principal);
    const executionId = String(call.request["execution_id"] ?? "");
    const status = await deps.operations.call("check_execution_status", { execution_id: executionId }, ctx);
    if (status["status"] === "not_found") throw executionNotFound(executionId);
    release = deps.operations.deps.watchers.acquire(principal);
    const sink = { write: (event: ExecutionEvent) => call.write(encodeEvent(event)), onDrain: (resume: () => void) => void call.once("drain", resume) };
    await followExecution(deps.operations.deps, "grpc", executionId, Number(call.request["after_seq"] ?? 0), sink, ctx.signal);
    call.end();
  } catch (error) {
    call.emit("error", toServiceError(error, deps.operations.deps.paths));
  } finally {
    release?.();
  }
}

/**
 * WatchNodes: registry changes as they happen; a client that falls behind gets a fresh snapshot once it drains. Like
 * list_nodes, it shows only the nodes the token may use.
 */
export function watchNodes(call: Stream, deps: StreamDeps): void {
  let principal;
  let release: () => void;
  try {
    principal = authenticate(call, deps.tokens, deps.operations, "WatchNodes");
    requireScopes(principal, ["read"], "WatchNodes");
    release = deps.operations.deps.watchers.acquire(principal);
  } catch (error) {
    call.emit("error", toServiceError(error, deps.operations.deps.paths));
    return;
  }
  let paused = false;
  let missed = false;
  let lastSeq = 0;
  const send = (message: Record<string, unknown>) => {
    if (!call.write(message)) {
      paused = true;
      call.once("drain", () => {
        paused = false;
        if (!missed) return;
        missed = false;
        void deps.registry.list().then((nodes) => nodes.forEach((node) => !paused && mayUseNode(principal, node.tags) && send(nodeEventMessage({ seq: lastSeq, type: "node.updated", node, time: Date.now() }))));
      });
    }
  };
  deps.metrics.activeWatchers.inc({ gateway: "grpc" });
  const unwatch = deps.registry.watch(Number(call.request["after_seq"] ?? 0), (event) => {
    lastSeq = event.seq;
    if (!mayUseNode(principal, event.node.tags)) return;
    if (paused) missed = true;
    else send(nodeEventMessage(event));
  });
  call.on("cancelled", () => {
    unwatch();
    release();
    deps.metrics.activeWatchers.dec({ gateway: "grpc" });
  });
}
