import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { createServer, type Server } from "node:http";
import { tmpdir } from "node:os";
import { join } from "node:path";
import * as assert from "uvu/assert";
import { resolveCallerPolicy, type CallerPolicy } from "../../src/config/index.js";
import { MemoryExecutionStore, Runtime } from "../../src/engine/index.js";
import { createWorkflowGenerator } from "../../src/generator/index.js";
import { defaultToolRegistry } from "../../src/tools/index.js";
import type { AnyAnswer, GatewayClients } from "./any-gateway.js";
import { grpcClient } from "./gateway-grpc.js";
import { connectHttp } from "./gateway-mcp.js";
import { startTestNode, TOKEN_ENTRIES, tokensText, type TestNode } from "./gateway-node.js";
import { startModelServer, type ModelServer } from "./model-server.js";

/** A loopback listener that counts every request it gets; `handle` picks the answer. */
export interface Listener {
  url: string;
  port: string;
  hits: string[];
  server: Server;
}

export async function listener(handle: (url: string) => { status: number; location?: string } = () => ({ status: 200 })): Promise<Listener> {
  const hits: string[] = [];
  const server = createServer((req, res) => {
    hits.push(`${req.method} ${req.url} auth=${req.headers.authorization ?? ""}`);
    const { status, location } = handle(req.url ?? "/");
    res.writeHead(status, location === undefined ? {} : { location });
    res.end("{}");
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as { port: number };
  return { url: `http://127.0.0.1:${port}`, port: String(port), hits, server };
}

export interface HostileNode {
  t: TestNode;
  clients: GatewayClients;
}

/**
 * What an attacker with an ordinary token faces: a node with secrets in its environment (a model key, a secret), a
 * loopback listener ("victim") nothing may reach, a canary path no command may create, the node's own model server
 * and one model endpoint the operator listed for callers. Two nodes: the deny-by-default policy ("strict"), and one whose
 * operator opened http to any host, listed one loopback host:port (a redirector to the victim) and that model ("open").
 */
export interface HostileWorld {
  nodeKey: string;
  secret: string;
  canary: string;
  victim: Listener;
  redirector: Listener;
  nodeModel: ModelServer;
  listedModel: ModelServer;
  strict: HostileNode;
  open: HostileNode;
  /** Fails when an answer carries a secret or a sandbox path. */
  assertNothingLeaked(answer: AnyAnswer, what: string): void;
  /** Fails when a command ran or a request reached the victim. */
  assertNothingEscaped(): void;
  close(): Promise<void>;
}

/** An ordinary token: it may run and generate workflows, nothing more. */
export const MAKER = "maker-token-0123456789abcdef";

export async function hostileWorld(): Promise<HostileWorld> {
  const nodeKey = "sk-node-key-canary-7f3a91";
  const secret = "node-secret-canary-51c2e8";
  const canaryDir = mkdtempSync(join(tmpdir(), "wfx-canary-"));
  const canary = join(canaryDir, "pwned");
  const victim = await listener();
  const redirector = await listener(() => ({ status: 302, location: `${victim.url}/through-redirect` }));
  const nodeModel = await startModelServer();
  const listedModel = await startModelServer();
  const env = { OPENAI_BASE_URL: nodeModel.baseURL, OPENAI_API_KEY: nodeKey, WFX_SECRET: secret, PATH: process.env["PATH"] };
  const tokens = tokensText([...TOKEN_ENTRIES, { id: "maker", token: MAKER, scopes: ["execute", "generate", "read"] }]);
  const nodeWith = async (policy: CallerPolicy): Promise<HostileNode> => {
    const runtime = new Runtime({ store: new MemoryExecutionStore(), nodeId: "test-node", env, tools: defaultToolRegistry(), callerPolicy: policy });
    const t = await startTestNode({ tokensText: tokens, host: "127.0.0.1" }, { runtime, generator: createWorkflowGenerator({ env, planner: "template" }) });
    return { t, clients: { httpUrl: t.node.httpUrl!, mcp: await connectHttp(t.node.mcpUrl!, "2026-07-28", MAKER), grpc: grpcClient(t.node.grpcAddress!), token: MAKER } };
  };
  const strict = await nodeWith(resolveCallerPolicy({}));
  const open = await nodeWith(resolveCallerPolicy({ tool_types: ["filesystem", "codebase_indexer", "http", "mcpremote"], http_hosts: ["*", `127.0.0.1:${redirector.port}`], mcp_servers: [`${redirector.url}/mcp`], model_endpoints: [listedModel.baseURL] }));
  return {
    nodeKey,
    secret,
    canary,
    victim,
    redirector,
    nodeModel,
    listedModel,
    strict,
    open,
    assertNothingLeaked(answer, what) {
      for (const value of [nodeKey, secret, strict.t.sandbox, open.t.sandbox]) assert.not.ok(answer.text.includes(value), `${what}: the answer carries ${value}`);
    },
    assertNothingEscaped() {
      assert.not.ok(existsSync(canary), "a command ran: the canary file exists");
      assert.equal(victim.hits, [], "a request reached the loopback listener");
      assert.not.ok(listedModel.requests.some((r) => String(r.headers.authorization).includes(nodeKey)), "the node's key reached a caller's model endpoint");
    },
    async close() {
      for (const { t, clients } of [strict, open]) {
        await clients.mcp.close();
        clients.grpc.close();
        await t.close();
      }
      for (const s of [victim.server, redirector.server]) s.close();
      await nodeModel.close();
      await listedModel.close();
      rmSync(canaryDir, { recursive: true, force: true });
    },
  };
}
