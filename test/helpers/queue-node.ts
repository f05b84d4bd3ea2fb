import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { FIXTURES } from "./engine-fixture.js";
import { grpcClient, type WfxClient } from "./gateway-grpc.js";
import { post } from "./gateway-node.js";
import { startServe, type ServeProcess } from "./serve-process.js";

type Msg = Record<string, unknown>;

export const QUEUE_WORKFLOWS = join(FIXTURES, "queue");

/** Three tokens that may each run 2 at once (the node's whole capacity), one capped at priority 3, one with 2 queued at most. */
export const QUEUE_TOKENS = { a: "queue-token-a-0123456789", b: "queue-token-b-0123456789", c: "queue-token-c-0123456789", capped: "queue-token-capped-0123456789", bounded: "queue-token-bounded-0123456789" } as const;

/** A real `wfx serve` of capacity 2 over a data dir it keeps across restarts, with HTTP, gRPC and MCP. */
export interface QueueNode {
  serve: ServeProcess;
  base: string;
  grpc: WfxClient;
  /** SIGKILLs the node and starts it again on the same data dir and flags. */
  restart(): Promise<void>;
  close(): Promise<void>;
}

export async function startQueueNode(extra: string[] = []): Promise<QueueNode> {
  const dir = mkdtempSync(join(tmpdir(), "wfx-queue-"));
  const tokens = join(dir, "tokens.yaml");
  writeFileSync(tokens, [
    `- { id: a, token: "${QUEUE_TOKENS.a}", scopes: [execute, read], max_running: 2 }`,
    `- { id: b, token: "${QUEUE_TOKENS.b}", scopes: [execute, read], max_running: 2 }`,
    `- { id: c, token: "${QUEUE_TOKENS.c}", scopes: [execute, read], max_running: 2 }`,
    `- { id: capped, token: "${QUEUE_TOKENS.capped}", scopes: [execute, read], max_running: 2, max_priority: 3 }`,
    `- { id: bounded, token: "${QUEUE_TOKENS.bounded}", scopes: [execute, read], max_running: 2, max_queued: 2 }`,
  ].join("\n"));
  const args = ["--workflows", QUEUE_WORKFLOWS, "--tokens", tokens, "--host", "127.0.0.1", "--grpc-port", "0", "--max-concurrent", "2", "--default-timeout", "600", ...extra];
  const node = { dir } as QueueNode & { dir: string };
  const open = async () => {
    node.serve = await startServe(join(dir, "data"), args);
    node.base = node.serve.url;
    node.grpc = grpcClient(node.serve.grpc()!);
  };
  await open();
  node.restart = async () => {
    node.grpc.close();
    await node.serve.kill("SIGKILL");
    await open();
  };
  node.close = async () => {
    node.grpc.close();
    await node.serve.kill("SIGTERM");
    rmSync(dir, { recursive: true, force: true });
  };
  return node;
}

/** The record as `token` may read it. */
export async function statusOf(base: string, id: unknown, token: string): Promise<Msg> {
  return (await post(base, "check_execution_status", { execution_id: id }, token)).body;
}

/** The node's queue gauges, summed over priorities. */
export async function queuedOnNode(base: string): Promise<number> {
  const text = await (await fetch(`${base}/metrics`, { headers: { authorization: `Bearer ${QUEUE_TOKENS.a}` } })).text();
  return [...text.matchAll(/^wfx_queue_depth\{priority="\d"\} (\d+)$/gm)].reduce((sum, m) => sum + Number(m[1]), 0);
}
