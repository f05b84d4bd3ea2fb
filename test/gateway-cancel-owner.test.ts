import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import * as grpc from "@grpc/grpc-js";
import { test } from "uvu";
import * as assert from "uvu/assert";
import { EmbeddedExecutionStore, Runtime } from "../src/engine/index.js";
import { errorBodyOf, grpcClient, unary } from "./helpers/gateway-grpc.js";
import { connectHttp } from "./helpers/gateway-mcp.js";
import { post, startTestNode, TOKEN_ENTRIES, TOKENS, tokensText, type TestNode } from "./helpers/gateway-node.js";

// A second token of the runner's tenant that may execute everything the runner may: it sees the runner's executions,
// and only who started one tells them apart. (A token of another tenant is told such an id is unknown: tenant reads.)
const OTHER = "other-runner-token-0123456789abcdef";
const TEXT = tokensText([...TOKEN_ENTRIES.map((e) => (e.id === "runner" ? { ...e, tenant: "crew" } : e)), { id: "other", token: OTHER, scopes: ["execute", "read"], tenant: "crew" }]);
const HINT = "only the token that started it, or an admin token, may cancel it";
const t = await startTestNode({ tokensText: TEXT, host: "127.0.0.1" });
const base = t.node.httpUrl!;
const client = grpcClient(t.node.grpcAddress!);

test.after(async () => {
  client.close();
  await t.close();
});

async function startSlow(node: TestNode, token: string): Promise<string> {
  const started = await post(node.node.httpUrl!, "execute_workflow", { workflow_name: "slow", input_data: { ms: 60_000 }, execution_mode: "async" }, token);
  assert.is(started.status, 200);
  return String(started.body["execution_id"]);
}

test("cancel http - another execute token is refused another token's execution, which runs on", async () => {
  const id = await startSlow(t, TOKENS.runner);
  const refused = await post(base, "cancel_execution", { execution_id: id }, OTHER);
  assert.equal([refused.status, refused.body["code"], refused.body["hint"]], [403, "WFX_PERMISSION_DENIED", HINT]);
  assert.match(String(refused.body["message"]), `token 'other' may not cancel execution ${id}: another token started it`);
  assert.is((await t.runtime.status(id))?.status, "running", "nothing happened");
  const own = await post(base, "cancel_execution", { execution_id: id }, TOKENS.runner);
  assert.equal([own.status, own.body["cancelled"]], [200, true], "the token that started it may");
});

test("cancel mcp - the same refusal as a tool error", async () => {
  const id = await startSlow(t, TOKENS.runner);
  for (const era of ["2026-07-28", "2025-11-25"] as const) {
    const mcp = await connectHttp(t.node.mcpUrl!, era, OTHER);
    const result = await mcp.callTool({ name: "cancel_execution", arguments: { execution_id: id } });
    assert.ok(result.isError);
    assert.equal([(result.structuredContent as Record<string, unknown>)["code"], (result.structuredContent as Record<string, unknown>)["hint"]], ["WFX_PERMISSION_DENIED", HINT]);
    await mcp.close();
  }
  assert.is((await t.runtime.status(id))?.status, "running", "nothing happened");
  const admin = await post(base, "cancel_execution", { execution_id: id }, TOKENS.admin);
  assert.equal([admin.status, admin.body["cancelled"]], [200, true], "an admin token may cancel anyone's");
});

test("cancel grpc - the same refusal as PERMISSION_DENIED", async () => {
  const id = await startSlow(t, TOKENS.runner);
  const error = (await unary(client, "CancelExecution", { execution_id: id }, { token: OTHER }).catch((e) => e)) as grpc.ServiceError;
  assert.equal([error.code, errorBodyOf(error)["code"], errorBodyOf(error)["hint"]], [grpc.status.PERMISSION_DENIED, "WFX_PERMISSION_DENIED", HINT]);
  assert.is((await t.runtime.status(id))?.status, "running", "nothing happened");
  assert.is((await unary(client, "CancelExecution", { execution_id: id }, { token: TOKENS.runner }))["cancelled"], true);
});

test("cancel - the starter is kept in the stored record, so a restarted node still checks it", async () => {
  const dataDir = mkdtempSync(join(tmpdir(), "wfx-cancel-owner-"));
  const open = async () => startTestNode({ tokensText: TEXT, host: "127.0.0.1" }, { runtime: new Runtime({ store: await EmbeddedExecutionStore.open({ dataDir }), dataDir, nodeId: "test-node" }) });
  const first = await open();
  const ran = await post(first.node.httpUrl!, "execute_workflow", { workflow_name: "one_step", input_data: 1 }, TOKENS.runner);
  const id = String(ran.body["execution_id"]);
  await first.close();
  const second = await open();
  try {
    assert.is((await second.runtime.status(id))?.started_by, "runner");
    const refused = await post(second.node.httpUrl!, "cancel_execution", { execution_id: id }, OTHER);
    assert.equal([refused.status, refused.body["code"], refused.body["hint"]], [403, "WFX_PERMISSION_DENIED", HINT]);
    const own = await post(second.node.httpUrl!, "cancel_execution", { execution_id: id }, TOKENS.runner);
    assert.equal([own.status, own.body["cancelled"], own.body["status"]], [200, false, "completed"]);
    const status = await post(second.node.httpUrl!, "check_execution_status", { execution_id: id }, OTHER);
    assert.is(status.body["status"], "completed", "a token of the same tenant reads it");
    assert.not.ok("started_by" in status.body || "started_by_tenant" in status.body, "which token started it is not told to other callers");
  } finally {
    await second.close();
    rmSync(dataDir, { recursive: true, force: true });
  }
});

test("cancel - without tokens the local caller may cancel anything", async () => {
  const open = await startTestNode();
  const id = await startSlow(open, TOKENS.runner);
  const cancelled = await post(open.node.httpUrl!, "cancel_execution", { execution_id: id });
  assert.equal([cancelled.status, cancelled.body["cancelled"]], [200, true]);
  await open.close();
});

test.run();
