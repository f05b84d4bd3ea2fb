import { test } from "uvu";
import * as assert from "uvu/assert";
import { eventually } from "./helpers/engine-fixture.js";
import { callJson, connectHttp } from "./helpers/gateway-mcp.js";
import { startTestNode, TOKENS, tokensText } from "./helpers/gateway-node.js";

// A small node-wide cap and per-token cap, so the attack needs a handful of sessions instead of a thousand.
const t = await startTestNode({ tokensText: tokensText(), host: "127.0.0.1", mcpMaxSessions: 5, mcpMaxSessionsPerToken: 2 });
const url = t.node.mcpUrl!;
const streams: AbortController[] = [];

test.after(async () => {
  streams.forEach((s) => s.abort());
  await t.close();
});

function headers(token: string, sessionId?: string): Record<string, string> {
  return {
    authorization: `Bearer ${token}`,
    "content-type": "application/json",
    accept: "application/json, text/event-stream",
    ...(sessionId === undefined ? {} : { "mcp-session-id": sessionId, "mcp-protocol-version": "2025-11-25" }),
  };
}

/** A raw 2025-era initialize that never closes its session, as the attacker sends it. */
async function initialize(token: string, at = url): Promise<{ status: number; sessionId: string | null; error?: { message: string; data?: Record<string, unknown> } }> {
  const body = { jsonrpc: "2.0", id: 1, method: "initialize", params: { protocolVersion: "2025-11-25", capabilities: {}, clientInfo: { name: "flood", version: "1" } } };
  const res = await fetch(at, { method: "POST", headers: headers(token), body: JSON.stringify(body) });
  const text = await res.text();
  const error = res.headers.get("content-type")?.includes("application/json") ? (JSON.parse(text) as { error?: { message: string; data?: Record<string, unknown> } }).error : undefined;
  return { status: res.status, sessionId: res.headers.get("mcp-session-id"), ...(error === undefined ? {} : { error }) };
}

async function ping(token: string, sessionId: string): Promise<number> {
  const res = await fetch(url, { method: "POST", headers: headers(token, sessionId), body: JSON.stringify({ jsonrpc: "2.0", id: 2, method: "ping" }) });
  await res.text();
  return res.status;
}

/** Opens the session's GET event stream and keeps it open: the session is then in use. */
async function holdOpen(token: string, sessionId: string, at = url): Promise<AbortController> {
  const stream = new AbortController();
  const res = await fetch(at, { method: "GET", headers: { ...headers(token, sessionId), accept: "text/event-stream" }, signal: stream.signal });
  assert.is(res.status, 200);
  streams.push(stream);
  return stream;
}

test("mcp sessions - a token flooding 2025-era sessions keeps only its cap and locks nobody else out", async () => {
  const flood = [];
  for (let i = 0; i < 20; i++) flood.push(await initialize(TOKENS.reader));
  assert.ok(flood.every((r) => r.status === 200 && r.sessionId !== null), "each new session replaces the token's idlest one");
  const alive = [];
  for (const r of flood) alive.push(await ping(TOKENS.reader, r.sessionId!));
  assert.equal(alive.filter((s) => s === 200).length, 2, "the token holds at most its cap");
  assert.equal(alive.slice(-2), [200, 200], "the newest sessions are the ones kept");
  assert.is(alive[0], 404, "a replaced session is told to initialize again");
  const runner = await connectHttp(url, "2025-11-25", TOKENS.runner);
  assert.is((await callJson(runner, "execute_workflow", { workflow_name: "one_step", input_data: 1 }))["status"], "completed", "another token's 2025 client is served");
  await runner.close();
});

test("mcp sessions - a token whose sessions are all in use is refused with a clear error, others are not, and it is served once one ends", async () => {
  const held = [await initialize(TOKENS.limited), await initialize(TOKENS.limited)];
  const open = [await holdOpen(TOKENS.limited, held[0]!.sessionId!), await holdOpen(TOKENS.limited, held[1]!.sessionId!)];
  const over = await initialize(TOKENS.limited);
  assert.is(over.status, 429);
  assert.is(over.sessionId, null);
  assert.match(over.error!.message, "token 'limited' already holds 2 MCP sessions, all in use");
  assert.is(over.error!.data?.["code"], "WFX_TOO_MANY_SESSIONS");
  assert.match(String(over.error!.data?.["hint"]), "DELETE");
  assert.equal([await ping(TOKENS.limited, held[0]!.sessionId!), await ping(TOKENS.limited, held[1]!.sessionId!)], [200, 200], "the busy sessions were not touched");
  assert.is((await initialize(TOKENS.runner)).status, 200, "another token still opens sessions");
  open[0]!.abort();
  // The node sees the stream end a moment after the client drops it.
  await eventually(async () => (await initialize(TOKENS.limited)).status === 200, 2000, "a session of the token's to be replaceable");
  assert.is(await ping(TOKENS.limited, held[0]!.sessionId!), 404, "by replacing the session that ended its stream");
  assert.is(await ping(TOKENS.limited, held[1]!.sessionId!), 200);
});

test("mcp sessions - the node-wide cap still holds when several tokens each stay within theirs", async () => {
  const small = await startTestNode({ tokensText: tokensText(), host: "127.0.0.1", mcpMaxSessions: 3, mcpMaxSessionsPerToken: 2 });
  const at = small.node.mcpUrl!;
  for (const token of [TOKENS.reader, TOKENS.reader, TOKENS.limited]) await holdOpen(token, (await initialize(token, at)).sessionId!, at);
  const full = await initialize(TOKENS.runner, at);
  assert.is(full.status, 503);
  assert.match(full.error!.message, "the node holds as many MCP sessions as it allows (3)");
  assert.is(full.error!.data?.["code"], "WFX_TOO_MANY_SESSIONS");
  streams.forEach((s) => s.abort());
  await small.close();
});

test.run();
