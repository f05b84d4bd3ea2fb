import { mkdtempSync, realpathSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import * as grpc from "@grpc/grpc-js";
import { test } from "uvu";
import * as assert from "uvu/assert";
import { collect, errorBodyOf, grpcClient, unary, watch } from "./helpers/gateway-grpc.js";
import { connectHttp } from "./helpers/gateway-mcp.js";
import { GATEWAY_WORKFLOWS, post, startTestNode } from "./helpers/gateway-node.js";

// A workflow directory whose function file lacks the export its step names: the error names the module's path.
const flows = mkdtempSync(join(tmpdir(), "wfx-paths-flows-"));
writeFileSync(join(flows, "broken.yaml"), "workflows:\n  broken_fn:\n    steps:\n      - id: call\n        function: ./mod.mjs#missing\n");
writeFileSync(join(flows, "mod.mjs"), "export function present() { return 1; }\n");
const dataDir = mkdtempSync(join(tmpdir(), "wfx-paths-data-"));
const t = await startTestNode({ workflowDirs: [GATEWAY_WORKFLOWS, flows], dataDir });
const base = t.node.httpUrl!;
const client = grpcClient(t.node.grpcAddress!);
const SERVER_PATHS = [...new Set([t.sandbox, dataDir, flows, GATEWAY_WORKFLOWS.replace(/\/$/, "")].flatMap((p) => [p, realpathSync(p)]))];

/** An inline workflow whose filesystem tool's root folder is missing: the error names the folder inside the sandbox. */
const MISSING_ROOT = { workflow_yaml: "tools: [{id: fs, type: filesystem, settings: {root: not_there}}]\nworkflows: {w: {steps: [{id: read, tool: fs, args: {op: read, path: notes.txt}}]}}" };
const BAD_OVERRIDE = { ...MISSING_ROOT, config_override: { workflows: { nope: { timeout: 1 } } } };

test.after(async () => {
  client.close();
  await t.close();
  rmSync(flows, { recursive: true, force: true });
  rmSync(dataDir, { recursive: true, force: true });
});

function assertNoServerPath(answer: unknown, what: string): void {
  const text = typeof answer === "string" ? answer : JSON.stringify(answer);
  for (const path of SERVER_PATHS) assert.not.ok(text.includes(path), `${what} shows ${path}: ${text.slice(0, 400)}`);
}

test("server paths http - errors, records, events, validation and listings name the node's folders neutrally", async () => {
  const inline = await post(base, "execute_workflow", MISSING_ROOT);
  assert.is(inline.body["status"], "failed");
  assert.match(JSON.stringify(inline.body), "the root folder not_there of tool 'fs' does not exist");
  assert.is(inline.body["workflow_file"], undefined, "a caller's workflow has no file on the node to name");
  const fn = await post(base, "execute_workflow", { workflow_name: "broken_fn" });
  assert.match(String(fn.body["message"]), "<workflows-2>/mod.mjs has no exported function 'missing'");
  const override = await post(base, "execute_workflow", BAD_OVERRIDE);
  assert.equal([override.status, override.body["code"]], [400, "WFX_WORKFLOW_INVALID"]);
  const validated = await post(base, "validate_workflow", { workflow_name: "broken_fn", config_override: { workflows: { nope: { timeout: 1 } } } });
  assert.match(String(validated.body["formatted"]), "<workflows-2>/broken.yaml");
  const listed = await post(base, "list_workflows", {});
  assert.equal(listed.body["directories"], ["<workflows-1>", "<workflows-2>"]);
  const inSecond = await post(base, "list_workflows", { config_path: "<workflows-2>" });
  assert.equal((inSecond.body["workflows"] as { name: string }[]).map((w) => w.name), ["broken_fn"], "config_path takes the name list_workflows shows");
  const notServed = await post(base, "list_workflows", { config_path: "/etc" });
  assert.equal([notServed.status, notServed.body["hint"]], [400, "use one of: <workflows-1>, <workflows-2> (or leave config_path out)"]);
  const id = String(fn.body["execution_id"]);
  const status = await (await fetch(`${base}/executions/${id}`)).json();
  const events = await (await fetch(`${base}/executions/${id}/events`)).text();
  const watched = await post(base, "watch_execution", { execution_id: id, wait: 0 });
  assert.match(events, "<workflows-2>/mod.mjs");
  for (const [what, answer] of Object.entries({ inline, fn, override, validated, listed, notServed, status, events, watched })) assertNoServerPath(answer, what);
});

test("server paths mcp - tool results and tool errors name the node's folders neutrally", async () => {
  const mcp = await connectHttp(t.node.mcpUrl!, "2026-07-28");
  const answers = [
    await mcp.callTool({ name: "execute_workflow", arguments: MISSING_ROOT }),
    await mcp.callTool({ name: "execute_workflow", arguments: { workflow_name: "broken_fn" } }),
    await mcp.callTool({ name: "execute_workflow", arguments: BAD_OVERRIDE }),
    await mcp.callTool({ name: "list_workflows", arguments: {} }),
  ];
  assert.ok(answers[2]!.isError);
  assert.match(JSON.stringify(answers[2]), /<sandbox>\/[^/]+\/inline-workflow.yaml has 1 problem/);
  assert.match(JSON.stringify(answers[0]), "the root folder not_there");
  answers.forEach((a, i) => assertNoServerPath(a, `mcp answer ${i}`));
  await mcp.close();
});

test("server paths grpc - answers, error details and metadata, and watched events name the node's folders neutrally", async () => {
  const inline = await unary(client, "ExecuteWorkflow", MISSING_ROOT);
  assert.is(inline["workflow_file"], "");
  const fn = await unary(client, "ExecuteWorkflow", { workflow_name: "broken_fn" });
  const error = (await unary(client, "ExecuteWorkflow", { ...MISSING_ROOT, config_override_json: JSON.stringify(BAD_OVERRIDE.config_override) }).catch((e) => e)) as grpc.ServiceError;
  assert.is(error.code, grpc.status.INVALID_ARGUMENT);
  assert.match(error.details, /<sandbox>\/[^/]+\/inline-workflow.yaml/);
  const listed = await unary(client, "ListWorkflows", {});
  const watched = await collect(watch(client, String(fn["execution_id"])));
  assert.match(JSON.stringify(watched.messages), "<workflows-2>/mod.mjs");
  for (const [what, answer] of Object.entries({ inline, fn, details: error.details, metadata: errorBodyOf(error), listed, watched: watched.messages })) assertNoServerPath(answer, what);
});

test.run();
