import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "uvu";
import * as assert from "uvu/assert";
import { eventually } from "./helpers/engine-fixture.js";
import { callJson, connectHttp } from "./helpers/gateway-mcp.js";
import { post } from "./helpers/gateway-node.js";
import { runAs, startTenantNode, TENANT_TOKENS, type TenantToken } from "./helpers/tenant-node.js";

// Listings (list_executions, the dashboard's GET /executions and its counts) hold only what a token may read, counted
// and paged in the store's query; a workflow's own executor calls belong to its caller; all of it survives a restart.
const dataDir = mkdtempSync(join(tmpdir(), "wfx-tenant-list-"));
let node = await startTenantNode(dataDir);

const a1 = [await runAs(node, "a1"), await runAs(node, "a1")];
// Isolated: its record is written by this process for the child that runs it.
const a2 = String((await post(node.httpUrl!, "execute_workflow", { workflow_name: "one_step", input_data: 1, execution_mode: "isolated" }, TENANT_TOKENS.a2)).body["execution_id"]);
await eventually(async () => ((await post(node.httpUrl!, "check_execution_status", { execution_id: a2 }, TENANT_TOKENS.a2)).body["status"] === "completed" ? true : undefined), 10_000, "the isolated run to complete");
const b = await runAs(node, "b");
const loner = await runAs(node, "loner");
const meta = (await post(node.httpUrl!, "execute_workflow", { workflow_name: "meta_run", input_data: "nested" }, TENANT_TOKENS.a1)).body;
const nested = String((meta["result"] as Record<string, unknown>)["execution_id"]);
// Started from the CLI (no gateway, no token): only read_all and admin see it.
const cli = (await node.runtime.start({ source: (await node.operations.deps.workflows.resolve("one_step")).source, workflowName: "one_step", input: 1 }).done).execution_id;
const failed = (await post(node.httpUrl!, "execute_workflow", { workflow_name: "failing" }, TENANT_TOKENS.b)).body["execution_id"] as string;

const teamA = new Set([...a1, a2, String(meta["execution_id"]), nested]);
const everyone = new Set([...teamA, b, loner, cli, failed]);
const VISIBLE: Record<TenantToken, Set<string>> = { a1: teamA, a2: teamA, b: new Set([b, failed]), loner: new Set([loner]), auditor: everyone, admin: everyone };

test.after(async () => {
  await node.close(0);
  rmSync(dataDir, { recursive: true, force: true });
});

type Body = Record<string, unknown>;

async function list(who: TenantToken, query = ""): Promise<Body> {
  const res = await fetch(`${node.httpUrl}/executions${query}`, { headers: { authorization: `Bearer ${TENANT_TOKENS[who]}` } });
  assert.is(res.status, 200);
  return (await res.json()) as Body;
}

const idsOf = (body: Body) => (body["executions"] as Body[]).map((e) => String(e["execution_id"]));

function countsOf(ids: Set<string>, failedOnes: Set<string>): Body {
  return { pending: 0, running: 0, completed: [...ids].filter((id) => !failedOnes.has(id)).length, failed: [...ids].filter((id) => failedOnes.has(id)).length, timeout: 0, cancelled: 0, queued: 0 };
}

async function listsExactlyWhatEachMaySee(): Promise<void> {
  for (const [who, ids] of Object.entries(VISIBLE) as [TenantToken, Set<string>][]) {
    const all = await list(who);
    assert.equal(new Set(idsOf(all)), ids, `${who} lists exactly its own and its tenant's`);
    assert.is(all["total_count"], ids.size, who);
    assert.equal(all["counts"], countsOf(ids, new Set([failed])), `${who}'s counts per status hold only what it may see`);
  }
}

test("tenant list - GET /executions: each token lists and counts only what it may see; read_all and admin see all", async () => {
  await listsExactlyWhatEachMaySee();
});

test("tenant list - pages and filters are of the visible executions only", async () => {
  const first = await list("a2", "?limit=3");
  const second = await list("a2", "?limit=3&offset=3");
  assert.equal([first["total_count"], second["total_count"]], [5, 5], "the total is of team-a's, not the node's");
  assert.equal([idsOf(first).length, idsOf(second).length], [3, 2]);
  assert.equal(new Set([...idsOf(first), ...idsOf(second)]), teamA, "the pages hold team-a's and none of another tenant's");
  const failing = await list("b", "?status=failed");
  assert.equal([idsOf(failing), failing["total_count"], (failing["counts"] as Body)["completed"]], [[failed], 1, 1]);
  assert.is((await list("a1", "?status=failed"))["total_count"], 0, "b's failure is not in team-a's count");
  assert.is((await list("loner", "?workflow_name=meta_run"))["total_count"], 0);
});

test("tenant list - MCP list_executions answers the same", async () => {
  for (const who of ["a2", "b", "auditor"] as const) {
    const mcp = await connectHttp(node.mcpUrl!, "2026-07-28", TENANT_TOKENS[who]);
    const listed = await callJson(mcp, "list_executions", {});
    assert.equal([new Set(idsOf(listed)), listed["total_count"]], [VISIBLE[who], VISIBLE[who].size], who);
    await mcp.close();
  }
});

test("tenant list - what a workflow starts through its executor belongs to the token that started the workflow", async () => {
  assert.is(meta["status"], "completed", JSON.stringify(meta));
  const status = async (who: TenantToken) => (await post(node.httpUrl!, "check_execution_status", { execution_id: nested }, TENANT_TOKENS[who])).body["status"];
  assert.equal([await status("a1"), await status("a2"), await status("b")], ["completed", "completed", "not_found"]);
});

test("tenant list - GET /whoami names the token's tenant", async () => {
  const res = await fetch(`${node.httpUrl}/whoami`, { headers: { authorization: `Bearer ${TENANT_TOKENS.a2}` } });
  assert.equal(await res.json(), { id: "a2", scopes: ["execute", "read"], tenant: "team-a", node: node.registry.self().id, open: false });
});

test("tenant list - who started what is kept in the records: after a restart each token still sees the same", async () => {
  await node.close(0);
  node = await startTenantNode(dataDir);
  await listsExactlyWhatEachMaySee();
  assert.is((await post(node.httpUrl!, "check_execution_status", { execution_id: a1[0] }, TENANT_TOKENS.a2)).body["status"], "completed");
  assert.is((await post(node.httpUrl!, "check_execution_status", { execution_id: a1[0] }, TENANT_TOKENS.b)).status, 404);
});

test.run();
