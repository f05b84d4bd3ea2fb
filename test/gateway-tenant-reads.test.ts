import { randomUUID } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import * as grpc from "@grpc/grpc-js";
import type { Client } from "@modelcontextprotocol/client";
import { test } from "uvu";
import * as assert from "uvu/assert";
import { collect, errorBodyOf, grpcClient, unary, watch } from "./helpers/gateway-grpc.js";
import { connectHttp } from "./helpers/gateway-mcp.js";
import { post } from "./helpers/gateway-node.js";
import { runAs, startTenantNode, TENANT_TOKENS, withoutId, type TenantToken } from "./helpers/tenant-node.js";

// One execution per tenant, read through every gateway by each token: one's own and one's tenant's are answered, another
// tenant's id answers exactly as an id nobody started.
const dataDir = mkdtempSync(join(tmpdir(), "wfx-tenant-reads-"));
const node = await startTenantNode(dataDir);
const base = node.httpUrl!;
const client = grpcClient(node.grpcAddress!);
const mcp = new Map<TenantToken, Client>();
const mcpOf = async (who: TenantToken) => mcp.get(who) ?? mcp.set(who, await connectHttp(node.mcpUrl!, "2026-07-28", TENANT_TOKENS[who])).get(who)!;
const ofA = await runAs(node, "a1");
const ofB = await runAs(node, "b");

test.after(async () => {
  for (const c of mcp.values()) await c.close();
  client.close();
  await node.close(0);
  rmSync(dataDir, { recursive: true, force: true });
});

type Read = (who: TenantToken, id: string) => Promise<unknown>;

/** `read` of a visible id gives the execution; of the other tenant's, the same as of a fresh id (its id aside). */
async function seesOnlyItsTenant(read: Read, found: (answer: unknown) => boolean): Promise<void> {
  for (const who of ["a1", "a2", "auditor", "admin"] as const) assert.ok(found(await read(who, ofA)), `${who} sees team-a's execution`);
  assert.ok(found(await read("b", ofB)), "b sees its own");
  for (const [who, id] of [["b", ofA], ["a2", ofB], ["loner", ofA]] as const) {
    const random = randomUUID();
    const hidden = await read(who, id);
    assert.not.ok(found(hidden), `${who} must not see ${id}`);
    assert.equal(withoutId(hidden, id), withoutId(await read(who, random), random), `${who}: another tenant's id answers as an unknown one`);
  }
}

test("tenant reads http - GET /executions/ID and POST /check_execution_status", async () => {
  const get: Read = async (who, id) => {
    const res = await fetch(`${base}/executions/${id}`, { headers: { authorization: `Bearer ${TENANT_TOKENS[who]}` } });
    return { status: res.status, body: await res.json() };
  };
  await seesOnlyItsTenant(get, (a) => (a as { status: number }).status === 200);
  const viaPost: Read = async (who, id) => {
    const { status, body } = await post(base, "check_execution_status", { execution_id: id }, TENANT_TOKENS[who]);
    return { status, body };
  };
  await seesOnlyItsTenant(viaPost, (a) => (a as { body: { status: string } }).body.status === "completed");
  const hidden = (await viaPost("b", ofA)) as { status: number; body: Record<string, unknown> };
  assert.equal([hidden.status, hidden.body["status"]], [404, "not_found"]);
});

test("tenant reads http - the SSE event stream", async () => {
  const sse: Read = async (who, id) => {
    const res = await fetch(`${base}/executions/${id}/events`, { headers: { authorization: `Bearer ${TENANT_TOKENS[who]}` } });
    const text = await res.text();
    return { status: res.status, body: res.headers.get("content-type")?.includes("json") ? JSON.parse(text) : text };
  };
  await seesOnlyItsTenant(sse, (a) => (a as { status: number }).status === 200 && String((a as { body: unknown }).body).includes("event: execution.completed"));
});

test("tenant reads http - a cancel of another tenant's execution answers as for an unknown id", async () => {
  const cancel: Read = async (who, id) => {
    const { status, body } = await post(base, "cancel_execution", { execution_id: id }, TENANT_TOKENS[who]);
    return { status, body };
  };
  const other = randomUUID();
  assert.equal(withoutId(await cancel("b", ofA), ofA), withoutId(await cancel("b", other), other));
  const mate = (await cancel("a2", ofA)) as { status: number; body: Record<string, unknown> };
  assert.equal([mate.status, mate.body["code"]], [403, "WFX_PERMISSION_DENIED"], "a tenant-mate sees it but may not cancel it");
});

test("tenant reads mcp - check_execution_status and watch_execution", async () => {
  const tool = (name: string, args: Record<string, unknown>): Read => async (who, id) => {
    const result = await (await mcpOf(who)).callTool({ name, arguments: { execution_id: id, ...args } });
    return { isError: result.isError === true, structured: result.structuredContent, content: result.content };
  };
  const structured = (a: unknown) => (a as { structured?: Record<string, unknown> }).structured ?? {};
  await seesOnlyItsTenant(tool("check_execution_status", {}), (a) => structured(a)["status"] === "completed");
  await seesOnlyItsTenant(tool("watch_execution", { wait: 0 }), (a) => structured(a)["done"] === true && (structured(a)["events"] as unknown[]).length > 0);
  const hidden = await tool("watch_execution", { wait: 0 })("b", ofA);
  assert.equal([(hidden as { isError: boolean }).isError, structured(hidden)["code"]], [true, "WFX_EXECUTION_NOT_FOUND"]);
});

test("tenant reads grpc - CheckExecutionStatus and PollExecution", async () => {
  const rpc = (name: string): Read => (who, id) =>
    unary(client, name, { execution_id: id }, { token: TENANT_TOKENS[who] }).then(
      (answer) => ({ answer }),
      (error: grpc.ServiceError) => ({ code: error.code, details: error.details, body: errorBodyOf(error) }),
    );
  await seesOnlyItsTenant(rpc("CheckExecutionStatus"), (a) => (a as { answer?: Record<string, unknown> }).answer?.["status"] === "completed");
  await seesOnlyItsTenant(rpc("PollExecution"), (a) => (a as { answer?: Record<string, unknown> }).answer?.["done"] === true);
  const hidden = (await rpc("PollExecution")("b", ofA)) as { code: number; body: Record<string, unknown> };
  assert.equal([hidden.code, hidden.body["code"]], [grpc.status.NOT_FOUND, "WFX_EXECUTION_NOT_FOUND"]);
});

test("tenant reads grpc - the WatchExecution stream", async () => {
  const stream: Read = async (who, id) => {
    const { messages, error } = await collect(watch(client, id, 0, TENANT_TOKENS[who]));
    return { types: messages.map((m) => m["type"]), ...(error === undefined ? {} : { code: error.code, details: error.details, body: errorBodyOf(error) }) };
  };
  await seesOnlyItsTenant(stream, (a) => (a as { types: string[] }).types.includes("execution.completed"));
  const hidden = (await stream("b", ofA)) as { code: number; body: Record<string, unknown> };
  assert.equal([hidden.code, hidden.body["code"]], [grpc.status.NOT_FOUND, "WFX_EXECUTION_NOT_FOUND"]);
});

test.run();
