import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pino } from "pino";
import type { Runtime } from "../../src/engine/index.js";
import type { GatewayOptions, TokenEntry } from "../../src/gateway/index.js";
import { ExecutorNode, type NodeDeps } from "../../src/node/index.js";
import { silentLogger, type AuditEntry } from "../../src/observability/index.js";
import { FIXTURES, memoryRuntime } from "./engine-fixture.js";

export const GATEWAY_WORKFLOWS = join(FIXTURES, "gateway", "workflows");

/** One token per situation the auth tests need. */
export const TOKENS = {
  admin: "admin-token-0123456789abcdef",
  runner: "runner-token-0123456789abcdef",
  reader: "reader-token-0123456789abcdef",
  limited: "limited-token-0123456789abcdef",
  gpuOnly: "gpu-only-token-0123456789abcdef",
} as const;

export const TOKEN_ENTRIES: TokenEntry[] = [
  { id: "admin", token: TOKENS.admin, scopes: ["admin"] },
  { id: "runner", token: TOKENS.runner, scopes: ["execute", "read"] },
  { id: "reader", token: TOKENS.reader, scopes: ["read"] },
  { id: "limited", token: TOKENS.limited, scopes: ["execute", "read"], workflows: ["one_*"] },
  { id: "gpu-only", token: TOKENS.gpuOnly, scopes: ["execute", "read"], tags: ["gpu"] },
];

export interface TestNode {
  node: ExecutorNode;
  runtime: Runtime;
  audit: AuditEntry[];
  sandbox: string;
  close(): Promise<void>;
}

/** A node on free ports over an in-memory store, serving the gateway fixtures; its audit entries are kept in memory. */
export async function startTestNode(options: Partial<GatewayOptions> = {}, deps: NodeDeps = {}): Promise<TestNode> {
  const runtime = deps.runtime ?? memoryRuntime();
  const sandbox = mkdtempSync(join(tmpdir(), "wfx-gw-sandbox-"));
  const audit: AuditEntry[] = [];
  const auditLogger = pino({ level: "info" }, { write: (line: string) => void audit.push(JSON.parse(line) as AuditEntry) });
  const node = await ExecutorNode.start(
    { workflowDirs: [GATEWAY_WORKFLOWS], httpPort: 0, grpcPort: 0, sandboxDir: sandbox, shutdownGraceMs: 1000, ...options },
    { logger: silentLogger(), auditLogger, ...deps, runtime },
  );
  return {
    node,
    runtime,
    audit,
    sandbox,
    async close() {
      await node.close(0);
      await runtime.close();
      rmSync(sandbox, { recursive: true, force: true });
    },
  };
}

export function tokensText(entries: TokenEntry[] = TOKEN_ENTRIES): string {
  return JSON.stringify(entries);
}

/** POST /method with JSON, as the source document's curl examples do. */
export async function post(baseUrl: string, method: string, body: unknown, token?: string): Promise<{ status: number; body: Record<string, unknown>; headers: Headers }> {
  const headers: Record<string, string> = { "content-type": "application/json" };
  if (token !== undefined) headers["authorization"] = `Bearer ${token}`;
  const res = await fetch(`${baseUrl}/${method}`, { method: "POST", headers, body: JSON.stringify(body) });
  const text = await res.text();
  return { status: res.status, body: text === "" ? {} : (JSON.parse(text) as Record<string, unknown>), headers: res.headers };
}
