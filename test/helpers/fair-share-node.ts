import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type * as grpc from "@grpc/grpc-js";
import { FIXTURES } from "./engine-fixture.js";
import { grpcClient, metadataFor, type WfxClient } from "./gateway-grpc.js";
import { errorBodyOf } from "./gateway-grpc.js";
import { GATEWAY_WORKFLOWS } from "./gateway-node.js";
import { startServe, type ServeProcess } from "./serve-process.js";

type Msg = Record<string, unknown>;

export const FAIR_TOKENS = { runner: "fair-runner-token-0123456789", other: "fair-other-token-0123456789" } as const;

/** A real `wfx serve` with small caps: runner may run 2 and watch 3, the node holds 6 watches, 50 steps, 1 s default timeout. */
export async function startFairShareNode(): Promise<{ serve: ServeProcess; base: string; client: WfxClient; close(): Promise<void> }> {
  const dir = mkdtempSync(join(tmpdir(), "wfx-fair-"));
  const tokens = join(dir, "tokens.yaml");
  writeFileSync(tokens, [
    `- { id: runner, token: "${FAIR_TOKENS.runner}", scopes: [execute, read], max_running: 2, max_watchers: 3 }`,
    `- { id: other, token: "${FAIR_TOKENS.other}", scopes: [execute, read] }`,
  ].join("\n"));
  const serve = await startServe(join(dir, "data"), [
    "--workflows", GATEWAY_WORKFLOWS, "--workflows", join(FIXTURES, "limits"), "--tokens", tokens, "--host", "127.0.0.1", "--grpc-port", "0",
    "--max-concurrent", "8", "--max-watchers", "6", "--max-steps-per-execution", "50", "--default-timeout", "1",
  ]);
  const client = grpcClient(serve.grpc()!);
  return {
    serve,
    base: serve.url,
    client,
    async close() {
      client.close();
      await serve.kill("SIGTERM");
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** An SSE stream opened with fetch: its status, its error body when refused, and how to close it. */
export async function openSse(url: string, token: string): Promise<{ status: number; body?: Msg; response?: Response; close(): void }> {
  const abort = new AbortController();
  const res = await fetch(url, { headers: { authorization: `Bearer ${token}` }, signal: abort.signal });
  if (res.status !== 200) return { status: res.status, body: (await res.json()) as Msg, close: () => abort.abort() };
  // The response stays referenced: fetch cancels the body of a response that is garbage collected, closing the stream.
  return { status: 200, response: res, close: () => abort.abort() };
}

/** A gRPC server stream, settled by its first message (accepted) or its error (refused, with the WFX body). */
export function openGrpcWatch(client: WfxClient, rpc: "WatchExecution" | "WatchNodes", request: Msg, token: string): Promise<{ accepted: boolean; code?: number; body?: Msg; close(): void }> {
  const stream = (client[rpc] as (r: Msg, m: grpc.Metadata) => grpc.ClientReadableStream<Msg>)(request, metadataFor(token));
  const close = () => stream.cancel();
  return new Promise((resolve) => {
    stream.once("data", () => resolve({ accepted: true, close }));
    stream.on("error", (error: grpc.ServiceError) => resolve({ accepted: false, code: error.code, body: errorBodyOf(error), close }));
  });
}
