import { createHash } from "node:crypto";
import { readFileSync } from "node:fs";
import { request } from "node:https";
import { join } from "node:path";
import * as grpc from "@grpc/grpc-js";
import { test } from "uvu";
import * as assert from "uvu/assert";
import { ExecutorNode } from "../src/node/index.js";
import { GatewayError, gatewayOptionsFromEnv, LOCAL_PRINCIPAL, parseTokens, resolveGatewayOptions, TokenStore } from "../src/gateway/index.js";
import { FIXTURES } from "./helpers/engine-fixture.js";
import { errorBodyOf, grpcClient, unary } from "./helpers/gateway-grpc.js";
import { callJson, connectHttp } from "./helpers/gateway-mcp.js";
import { post, startTestNode, TOKEN_ENTRIES, TOKENS, tokensText } from "./helpers/gateway-node.js";

const TLS_DIR = join(FIXTURES, "gateway", "tls");
/** A token the node knows only by its sha256 (token_sha256 in the token file), with the read scope. */
const HASHED = "hashed-token-0123456789abcdef";
const HASHED_SHA256 = createHash("sha256").update(HASHED).digest("hex");
const t = await startTestNode({ tokensText: tokensText([...TOKEN_ENTRIES, { id: "hashed", token_sha256: HASHED_SHA256, scopes: ["read"] }]), host: "127.0.0.1" });
const base = t.node.httpUrl!;
const client = grpcClient(t.node.grpcAddress!);

test.after(async () => {
  client.close();
  await t.close();
});

test("auth http - no token 401, wrong token 401, token without the scope 403, token with it 200", async () => {
  const none = await post(base, "execute_workflow", { workflow_name: "one_step" });
  assert.equal([none.status, none.body["code"], none.headers.get("www-authenticate")], [401, "WFX_UNAUTHENTICATED", 'Bearer realm="wfx"']);
  const wrong = await post(base, "execute_workflow", { workflow_name: "one_step" }, "not-a-real-token-0123456789");
  assert.equal([wrong.status, wrong.body["code"]], [401, "WFX_UNAUTHENTICATED"]);
  const reader = await post(base, "execute_workflow", { workflow_name: "one_step" }, TOKENS.reader);
  assert.equal([reader.status, reader.body["code"]], [403, "WFX_PERMISSION_DENIED"]);
  assert.match(String(reader.body["message"]), "lacks the 'execute' scope");
  const runner = await post(base, "execute_workflow", { workflow_name: "one_step", input_data: 7 }, TOKENS.runner);
  assert.equal([runner.status, runner.body["result"]], [200, 7]);
  assert.is((await fetch(`${base}/metrics`)).status, 401);
  assert.is((await fetch(`${base}/metrics`, { headers: { authorization: `Bearer ${TOKENS.reader}` } })).status, 200);
  assert.is((await fetch(`${base}/health`)).status, 200, "liveness needs no token");
});

test("auth http - a token limited to workflows may run only those, and no inline workflows", async () => {
  assert.is((await post(base, "execute_workflow", { workflow_name: "one_step" }, TOKENS.limited)).status, 200);
  const other = await post(base, "execute_workflow", { workflow_name: "three_steps", input_data: { value: 1 } }, TOKENS.limited);
  assert.equal([other.status, other.body["code"]], [403, "WFX_PERMISSION_DENIED"]);
  const inline = await post(base, "execute_workflow", { workflow_yaml: "workflows: {w: {steps: [{tool: filesystem, args: {op: list}}]}}" }, TOKENS.limited);
  assert.is(inline.status, 403);
  const listed = await post(base, "list_workflows", {}, TOKENS.limited);
  assert.equal((listed.body["workflows"] as { name: string }[]).map((w) => w.name), ["one_step"]);
  const peek = await post(base, "validate_workflow", { workflow_name: "three_steps" }, TOKENS.limited);
  assert.equal([peek.status, peek.body["code"]], [403, "WFX_PERMISSION_DENIED"], "nor may it validate (and so look into) another workflow's file");
  const typo = await post(base, "execute_workflow", { workflow_name: "one_stpe" }, TOKENS.limited);
  assert.equal([typo.status, typo.body["code"]], [404, "WFX_UNKNOWN_WORKFLOW"]);
  assert.match(String(typo.body["message"]), "did you mean 'one_step'?");
  assert.not.match(JSON.stringify(typo.body), "three_steps", "a not-found answer names only workflows the token may use");
  const own = await post(base, "validate_workflow", { workflow_name: "one_step" }, TOKENS.limited);
  assert.equal([own.status, own.body["valid"]], [200, true]);
});

test("auth http - a token limited to node tags may not use a node without them", async () => {
  const denied = await post(base, "execute_workflow", { workflow_name: "one_step" }, TOKENS.gpuOnly);
  assert.equal([denied.status, denied.body["code"]], [403, "WFX_PERMISSION_DENIED"]);
  assert.match(String(denied.body["message"]), "may not use node 'test-node'");
  assert.equal((await post(base, "list_nodes", {}, TOKENS.gpuOnly)).body["nodes"], []);
});

test("auth mcp - no token 401, wrong token 401, token without the scope a tool error, token with it ok", async () => {
  for (const token of [undefined, "not-a-real-token-0123456789"]) {
    const error = (await connectHttp(t.node.mcpUrl!, "2026-07-28", token).catch((e: Error) => e)) as Error;
    assert.instance(error, Error);
    assert.match(error.message, /401/);
  }
  for (const era of ["2026-07-28", "2025-11-25"] as const) {
    const reader = await connectHttp(t.node.mcpUrl!, era, TOKENS.reader);
    const denied = await reader.callTool({ name: "execute_workflow", arguments: { workflow_name: "one_step" } });
    assert.ok(denied.isError);
    assert.match((denied.content[0] as { text: string }).text, "WFX_PERMISSION_DENIED");
    assert.is(((await callJson(reader, "list_nodes", {}))["nodes"] as unknown[]).length, 1, "read scope is enough for list_nodes");
    await reader.close();
    const runner = await connectHttp(t.node.mcpUrl!, era, TOKENS.runner);
    assert.is((await callJson(runner, "execute_workflow", { workflow_name: "one_step", input_data: 1 }))["status"], "completed");
    await runner.close();
  }
});

test("auth grpc - no token UNAUTHENTICATED, wrong token UNAUTHENTICATED, token without the scope PERMISSION_DENIED, with it OK", async () => {
  const request = { workflow_name: "one_step", input_data_json: "3" };
  const none = (await unary(client, "ExecuteWorkflow", request).catch((e) => e)) as grpc.ServiceError;
  assert.equal([none.code, errorBodyOf(none)["code"]], [grpc.status.UNAUTHENTICATED, "WFX_UNAUTHENTICATED"]);
  const wrong = (await unary(client, "ExecuteWorkflow", request, { token: "not-a-real-token-0123456789" }).catch((e) => e)) as grpc.ServiceError;
  assert.is(wrong.code, grpc.status.UNAUTHENTICATED);
  const reader = (await unary(client, "ExecuteWorkflow", request, { token: TOKENS.reader }).catch((e) => e)) as grpc.ServiceError;
  assert.is(reader.code, grpc.status.PERMISSION_DENIED);
  const runner = await unary(client, "ExecuteWorkflow", request, { token: TOKENS.runner });
  assert.equal([runner["status"], runner["result_json"]], ["completed", "3"]);
});

test("auth - refusals are in the audit log as who, what and why", async () => {
  const unauthenticated = t.audit.filter((e) => e.outcome === "unauthenticated").map((e) => e.gateway);
  assert.ok(["http", "grpc"].every((g) => unauthenticated.includes(g)), JSON.stringify(unauthenticated));
  assert.ok(t.audit.some((e) => e.outcome === "denied" && e.principal === "reader" && e.gateway === "mcp" && e.method === "execute_workflow"));
});

test("auth - a token_sha256 entry authenticates the token it is the hash of, on every gateway, with its scopes", async () => {
  const http = await post(base, "list_nodes", {}, HASHED);
  assert.equal([http.status, (http.body["nodes"] as unknown[]).length], [200, 1]);
  assert.equal([(await post(base, "execute_workflow", { workflow_name: "one_step" }, HASHED)).status], [403], "read scope only");
  assert.is((await post(base, "list_nodes", {}, HASHED_SHA256)).status, 401, "the hash itself is no token");
  const mcp = await connectHttp(t.node.mcpUrl!, "2026-07-28", HASHED);
  assert.is(((await callJson(mcp, "list_nodes", {}))["nodes"] as unknown[]).length, 1);
  await mcp.close();
  assert.is(((await unary(client, "ListNodes", {}, { token: HASHED }))["nodes"] as unknown[]).length, 1);
  assert.ok(t.audit.some((e) => e.principal === "hashed" && e.gateway === "grpc" && e.outcome === "ok"), "audited as the hashed entry's id");
});

test("auth - tokens: file format, hashed tokens, short tokens and duplicates", () => {
  const hashed = parseTokens('- id: ci\n  token_sha256: "dd8d8b8e5a2bad04bef5c0b1bba8e3a3b6c74efa26f0b1b2e6ea1bfb0c4c1e2c"\n  scopes: [read]\n', "tokens.yaml");
  assert.is(hashed[0]!.id, "ci");
  const store = new TokenStore(parseTokens(JSON.stringify({ tokens: [{ id: "a", token: "a-very-long-token-000", scopes: ["read"] }] }), "env"));
  assert.is(store.authenticate("Bearer a-very-long-token-000").id, "a");
  assert.throws(() => store.authenticate("Basic abc"), /Bearer/);
  assert.throws(() => parseTokens('[{"id": "x", "token": "short", "scopes": ["read"]}]', "env"), /at least 16 characters/);
  assert.throws(() => parseTokens('[{"id": "x", "token": "long-enough-token-1", "scopes": ["root"]}]', "env"), /scopes/);
  assert.throws(() => parseTokens('[{"id":"x","token":"long-enough-token-1","scopes":["read"]},{"id":"x","token":"long-enough-token-2","scopes":["read"]}]', "env"), /duplicate token id/);
});

test("auth - tokens: max_running and max_watchers from the entry, else the node's defaults; the local user has none", () => {
  const entries = parseTokens('- { id: a, token: "a-very-long-token-000", scopes: [read], max_running: 2, max_watchers: 5 }\n- { id: b, token: "b-very-long-token-000", scopes: [read] }\n', "tokens.yaml");
  const store = new TokenStore(entries, { maxRunning: 32, maxWatchers: 100 });
  assert.equal([store.authenticate("Bearer a-very-long-token-000").maxRunning, store.authenticate("Bearer a-very-long-token-000").maxWatchers], [2, 5]);
  assert.equal([store.authenticate("Bearer b-very-long-token-000").maxRunning, store.authenticate("Bearer b-very-long-token-000").maxWatchers], [32, 100]);
  assert.equal([LOCAL_PRINCIPAL.maxRunning, LOCAL_PRINCIPAL.maxWatchers], [undefined, undefined]);
  for (const bad of ["max_running: 0", "max_watchers: 1.5", "max_running: many"]) {
    assert.throws(() => parseTokens(`- { id: x, token: "long-enough-token-1", scopes: [read], ${bad} }`, "tokens.yaml"), new RegExp(`tokens.yaml: 0.${bad.split(":")[0]}`));
  }
  const options = resolveGatewayOptions({ maxConcurrentExecutions: 9, ...gatewayOptionsFromEnv({ WFX_DEFAULT_TIMEOUT: "30", WFX_MAX_STEPS_PER_EXECUTION: "500", WFX_MAX_WATCHERS: "64" }) });
  assert.equal([options.maxRunningPerToken, options.defaultTimeoutS, options.maxStepsPerExecution, options.maxWatchers, options.maxWatchersPerToken], [4, 30, 500, 64, 100]);
  assert.is(resolveGatewayOptions({ maxConcurrentExecutions: 1 }).maxRunningPerToken, 1, "at least 1");
  assert.throws(() => gatewayOptionsFromEnv({ WFX_MAX_WATCHERS: "lots" }), /WFX_MAX_WATCHERS must be an integer >= 1, got 'lots'/);
});

test("auth - without tokens a node refuses a public address and listens on loopback only", async () => {
  const error = (await ExecutorNode.start({ host: "0.0.0.0", httpPort: 0, grpcPort: 0 }).catch((e: unknown) => e)) as GatewayError;
  assert.instance(error, GatewayError);
  assert.is(error.code, "WFX_GATEWAY_CONFIG");
  const open = await startTestNode();
  assert.match(open.node.httpUrl!, /^http:\/\/127\.0\.0\.1:/);
  assert.match(open.node.grpcAddress!, /^127\.0\.0\.1:/);
  await open.close();
});

test("auth - TLS: HTTPS and gRPC over TLS with the given certificate and key", async () => {
  const secure = await startTestNode({ tlsCertFile: join(TLS_DIR, "cert.pem"), tlsKeyFile: join(TLS_DIR, "key.pem"), tokensText: tokensText() });
  const ca = readFileSync(join(TLS_DIR, "cert.pem"));
  assert.match(secure.node.httpUrl!, /^https:/);
  const status = await new Promise<number>((resolve, reject) => {
    const url = new URL(`${secure.node.httpUrl!}/list_nodes`);
    request({ host: "localhost", port: url.port, path: url.pathname, method: "POST", ca, headers: { authorization: `Bearer ${TOKENS.reader}`, "content-type": "application/json" } }, (res) => {
      res.resume();
      resolve(res.statusCode!);
    })
      .on("error", reject)
      .end("{}");
  });
  assert.is(status, 200);
  const tlsClient = grpcClient(`localhost:${secure.node.grpcAddress!.split(":").at(-1)}`, grpc.credentials.createSsl(ca));
  assert.is(((await unary(tlsClient, "ListNodes", {}, { token: TOKENS.reader }))["nodes"] as unknown[]).length, 1);
  tlsClient.close();
  await secure.close();
});

test.run();
