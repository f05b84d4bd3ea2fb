import { pino } from "pino";
import type { TokenEntry } from "../../src/gateway/index.js";
import { ExecutorNode } from "../../src/node/index.js";
import { silentLogger } from "../../src/observability/index.js";
import { GATEWAY_WORKFLOWS, post, TOKENS, tokensText } from "./gateway-node.js";

/** Two tenants (a1 and a2 share team-a), a token of its own, a read_all one and an admin. */
export const TENANT_TOKENS = {
  a1: "tenant-a-first-token-0123456789",
  a2: "tenant-a-second-token-012345678",
  b: "tenant-b-only-token-0123456789",
  loner: "no-tenant-token-0123456789abcd",
  auditor: "read-all-token-0123456789abcde",
  admin: TOKENS.admin,
} as const;
export type TenantToken = keyof typeof TENANT_TOKENS;

export const TENANT_ENTRIES: TokenEntry[] = [
  { id: "a1", token: TENANT_TOKENS.a1, scopes: ["execute", "read"], tenant: "team-a" },
  { id: "a2", token: TENANT_TOKENS.a2, scopes: ["execute", "read"], tenant: "team-a" },
  { id: "b", token: TENANT_TOKENS.b, scopes: ["execute", "read"], tenant: "team-b" },
  { id: "loner", token: TENANT_TOKENS.loner, scopes: ["execute", "read"] },
  { id: "auditor", token: TENANT_TOKENS.auditor, scopes: ["read_all"] },
  { id: "admin", token: TENANT_TOKENS.admin, scopes: ["admin"] },
];

/**
 * A node that opens its own runtime over `dataDir`, as `wfx serve` does (so its workflows' mcpworkflow_executor tools
 * call it, and a node opened again on the same folder finds the same records), serving HTTP, MCP and gRPC.
 */
export function startTenantNode(dataDir: string): Promise<ExecutorNode> {
  return ExecutorNode.start(
    { workflowDirs: [GATEWAY_WORKFLOWS], httpPort: 0, grpcPort: 0, host: "127.0.0.1", dataDir, shutdownGraceMs: 1000, tokensText: tokensText(TENANT_ENTRIES) },
    { logger: silentLogger(), auditLogger: pino({ level: "silent" }) },
  );
}

/** Runs one_step (sync) as `who`; its execution id. */
export async function runAs(node: ExecutorNode, who: TenantToken, workflow = "one_step", input: unknown = 1): Promise<string> {
  const answer = await post(node.httpUrl!, "execute_workflow", { workflow_name: workflow, input_data: input }, TENANT_TOKENS[who]);
  if (answer.status !== 200 || answer.body["status"] !== "completed") throw new Error(`${who} could not run ${workflow}: ${JSON.stringify(answer.body)}`);
  return String(answer.body["execution_id"]);
}

/** The answer with `id` written as `<id>`: what an answer about one id has in common with one about another. */
export function withoutId(value: unknown, id: string): unknown {
  return JSON.parse(JSON.stringify(value).split(id).join("<id>"));
}
