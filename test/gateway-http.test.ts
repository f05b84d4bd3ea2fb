import { spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { request } from "node:http";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "uvu";
import * as assert from "uvu/assert";
import { eventually } from "./helpers/engine-fixture.js";
import { WFX } from "./helpers/cli.js";
import { GATEWAY_WORKFLOWS, post, startTestNode } from "./helpers/gateway-node.js";

const t = await startTestNode({ maxConcurrentExecutions: 4, maxBodyBytes: 64 * 1024 });
const base = t.node.httpUrl!;

test.after(() => t.close());

test("http - health, readiness and Prometheus metrics", async () => {
  assert.equal(await (await fetch(`${base}/health`)).json(), { status: "ok", node: "test-node" });
  assert.is((await fetch(`${base}/ready`)).status, 200);
  const finished = (text: string) => Number(/wfx_executions_finished_total\{mode="sync",status="completed"\} (\d+)/.exec(text)?.[1] ?? 0);
  const before = finished(await (await fetch(`${base}/metrics`)).text());
  await post(base, "execute_workflow", { workflow_name: "one_step", input_data: 1 });
  const metrics = await fetch(`${base}/metrics`);
  assert.match(metrics.headers.get("content-type")!, "text/plain; version=0.0.4");
  const text = await metrics.text();
  assert.is(finished(text), before + 1, "the execution is counted once");
  assert.match(text, /wfx_step_duration_seconds_count\{status="completed"\} \d+/);
  assert.match(text, /wfx_queue_depth\{priority="5"\} 0/);
  assert.match(text, /\nwfx_queue_oldest_seconds 0\n/);
  assert.match(text, /# TYPE wfx_active_watchers gauge/);
});

test("http - POST /execute_workflow runs a sync execution and answers with the record", async () => {
  const { status, body } = await post(base, "execute_workflow", { workflow_name: "three_steps", input_data: { value: 5 } });
  assert.is(status, 200);
  assert.is(body["status"], "completed");
  assert.is(body["result"], 20);
  assert.is(body["workflow_name"], "three_steps");
  assert.is(body["execution_mode"], "sync");
  assert.equal((body["progress"] as { completed_steps: number }).completed_steps, 3);
  assert.type(body["execution_id"], "string");
  assert.type(body["elapsed_time"], "number");
});

test("http - invalid arguments name each wrong field and what it expects", async () => {
  const { status, body } = await post(base, "execute_workflow", { workflow_nam: "one_step", execution_mode: "fast", timeout: -1 });
  assert.is(status, 400);
  assert.is(body["code"], "WFX_INVALID_ARGUMENTS");
  const feedback = body["actionable_feedback"] as { problems: { field: string; message: string; expected: string }[]; optional_fields: string[] };
  const byField = Object.fromEntries(feedback.problems.map((p) => [p.field, p.expected]));
  assert.match(byField["execution_mode"]!, "one of sync, async, isolated");
  assert.match(byField["timeout"]!, "a number > 0");
  assert.match(byField["workflow_nam"]!, "workflow_name");
  assert.is(feedback.problems.find((p) => p.field === "workflow_nam")!.message, "unknown field; did you mean 'workflow_name'?");
  assert.ok(feedback.optional_fields.includes("input_data"));
});

test("http - an unknown workflow is 404 and lists the workflows on offer, suggesting a near miss", async () => {
  const { status, body } = await post(base, "execute_workflow", { workflow_name: "nope" });
  assert.is(status, 404);
  assert.is(body["code"], "WFX_UNKNOWN_WORKFLOW");
  assert.match(String(body["hint"]), "one_step");
  assert.not.match(String(body["message"]), "did you mean", "nothing is close to 'nope'");
  const typo = await post(base, "execute_workflow", { workflow_name: "one_stpe" });
  assert.match(String(typo.body["message"]), "did you mean 'one_step'?");
});

test("http - async execution: status while running, cancel, then cancelled", async () => {
  const started = await post(base, "execute_workflow", { workflow_name: "slow", execution_mode: "async" });
  assert.is(started.body["status"], "running");
  const id = started.body["execution_id"] as string;
  const status = await fetch(`${base}/executions/${id}`);
  assert.is(((await status.json()) as { status: string }).status, "running");
  const cancelled = await post(base, "cancel_execution", { execution_id: id });
  assert.equal([cancelled.status, cancelled.body["cancelled"], cancelled.body["status"]], [200, true, "cancelled"]);
  const missing = await post(base, "check_execution_status", { execution_id: "no-such-id" });
  assert.equal([missing.status, missing.body["status"]], [404, "not_found"]);
});

test("http - SSE replays past events, follows live ones and resumes from Last-Event-ID", async () => {
  const started = await post(base, "execute_workflow", { workflow_name: "three_steps", input_data: { value: 1 }, execution_mode: "async" });
  const id = started.body["execution_id"] as string;
  const all = await (await fetch(`${base}/executions/${id}/events`)).text();
  const ids = [...all.matchAll(/^id: (\d+)$/gm)].map((m) => Number(m[1]));
  assert.ok(ids.length >= 8, `got ${ids.length} events`);
  assert.equal(ids, ids.map((_, i) => i + 1), "every event once, in order");
  assert.match(all, /event: end\ndata: \{"execution_id":"[^"]+","status":"completed"/);
  const resumed = await (await fetch(`${base}/executions/${id}/events`, { headers: { "last-event-id": "5" } })).text();
  assert.equal([...resumed.matchAll(/^id: (\d+)$/gm)].map((m) => Number(m[1])), ids.slice(5));
});

test("http - inline workflows run; function steps, env references and outside roots are refused", async () => {
  const yaml = "tools:\n  - id: scratch\n    type: filesystem\nworkflows:\n  note:\n    steps:\n      - tool: scratch\n        args: { op: write, path: a.txt, content: \"${input.text}\" }\n";
  const ok = await post(base, "execute_workflow", { workflow_yaml: yaml, input_data: { text: "hi" } });
  assert.equal([ok.status, ok.body["status"]], [200, "completed"], JSON.stringify(ok.body));
  const fn = await post(base, "execute_workflow", { workflow_config: { workflows: { w: { steps: [{ function: "./x.js#f" }] } } } });
  assert.equal([fn.status, fn.body["code"]], [403, "WFX_CALLER_POLICY_DENIED"]);
  assert.match(String(fn.body["message"]), "workflows.w.steps[0].function");
  const env = await post(base, "execute_workflow", { workflow_config: { workflows: { w: { steps: [{ tool: "filesystem", args: { op: "write", path: "x", content: "${env.HOME}" } }] } } } });
  assert.equal([env.status, env.body["code"]], [403, "WFX_CALLER_POLICY_DENIED"]);
  const root = await post(base, "execute_workflow", { workflow_config: { tools: [{ id: "fs", type: "filesystem", settings: { root: "/etc" } }], workflows: { w: { steps: [{ tool: "fs", args: { op: "list" } }] } } } });
  assert.equal([root.status, root.body["code"]], [403, "WFX_CALLER_POLICY_DENIED"]);
  assert.match(String(root.body["message"]), "tools[0].settings.root: root /etc is outside the caller's sandbox folder");
  const invalid = await post(base, "validate_workflow", { workflow_yaml: "workflows:\n  w:\n    steps:\n      - tool: filesystem\n        colour: red\n" });
  assert.is(invalid.body["valid"], false);
  assert.equal((invalid.body["problems"] as { code: string; line: number }[]).map((p) => [p.code, p.line]), [["WFX_UNKNOWN_KEY", 5]]);
});

test("http - config_override may tune a workflow but not redirect it", async () => {
  const tuned = await post(base, "execute_workflow", { workflow_name: "slow", input_data: { ms: 2000 }, config_override: { workflows: { slow: { timeout: 0.2 } } } });
  assert.is(tuned.body["status"], "timeout");
  const refused = await post(base, "execute_workflow", { workflow_name: "one_step", config_override: { tools: { fs: { settings: { root: "/" } } } } });
  assert.is(refused.status, 400);
  assert.equal((refused.body["actionable_feedback"] as { problems: { field: string }[] }).problems.map((p) => p.field), ["config_override.tools.fs.settings"]);
  const unknown = await post(base, "execute_workflow", { workflow_name: "one_step", config_override: { agents: { nobody: { model: "m" } } } });
  assert.equal([unknown.status, unknown.body["code"]], [400, "WFX_WORKFLOW_INVALID"]);
  assert.match(await (await fetch(`${base}/metrics`)).text(), /\nwfx_executions_pending 0\n/, "a refused start leaves nothing pending");
});

test("http - an execution path with broken %-encoding is the caller's 400, not a 500", async () => {
  const res = await fetch(`${base}/executions/%E0%A4%A/events`);
  assert.is(res.status, 400);
  assert.is(((await res.json()) as { code: string }).code, "WFX_INVALID_ARGUMENTS");
});

test("http - a body over the cap is refused with 413", async () => {
  const { status, body } = await post(base, "validate_workflow", { workflow_yaml: "#".repeat(70 * 1024) });
  assert.equal([status, body["code"]], [413, "WFX_PAYLOAD_TOO_LARGE"]);
  const mcp = await fetch(t.node.mcpUrl!, { method: "POST", headers: { "content-type": "application/json", accept: "application/json, text/event-stream" }, body: JSON.stringify({ jsonrpc: "2.0", id: 1, method: "tools/list", params: { pad: "#".repeat(70 * 1024) } }) });
  const rpc = (await mcp.json()) as { error: { code: number; message: string } };
  assert.equal([mcp.status, rpc.error.code], [413, -32000]);
  assert.match(rpc.error.message, "over 65536 bytes (the node's cap)");
});

test("http - a node at capacity queues the next execution, which starts once a slot frees", async () => {
  const ids: string[] = [];
  for (let i = 0; i < 4; i++) ids.push((await post(base, "execute_workflow", { workflow_name: "slow", execution_mode: "async" })).body["execution_id"] as string);
  const queued = await post(base, "execute_workflow", { workflow_name: "one_step", input_data: 3, execution_mode: "async" });
  assert.equal([queued.status, queued.body["status"], (queued.body["queue"] as { reason: string }).reason], [200, "queued", "node at capacity 4/4"]);
  assert.match(await (await fetch(`${base}/metrics`)).text(), /wfx_queue_depth\{priority="5"\} 1/);
  await Promise.all(ids.map((id) => post(base, "cancel_execution", { execution_id: id })));
  const done = await eventually(async () => {
    const record = await post(base, "check_execution_status", { execution_id: queued.body["execution_id"] });
    return record.body["status"] === "completed" ? record.body : undefined;
  });
  assert.is(done["result"], 3);
});

function rawGet(path: string, headers: Record<string, string>): Promise<number> {
  const url = new URL(base);
  return new Promise((resolve, reject) => {
    request({ host: url.hostname, port: url.port, path, method: "GET", headers }, (res) => {
      res.resume();
      resolve(res.statusCode!);
    })
      .on("error", reject)
      .end();
  });
}

test("http - Host and Origin headers are checked against DNS rebinding", async () => {
  assert.is(await rawGet("/metrics", { host: "evil.example:4020" }), 403);
  assert.is(await rawGet("/metrics", { host: "localhost", origin: "http://evil.example" }), 403);
  assert.is(await rawGet("/metrics", { host: "localhost", origin: "http://localhost:3000" }), 403, "another port of the same host is another site");
  assert.is(await rawGet("/metrics", { host: `localhost:${new URL(base).port}`, origin: `http://localhost:${new URL(base).port}` }), 200);
  assert.is(await rawGet("/health", { host: "evil.example" }), 200, "liveness stays open for probes");
});

test("http - the audit log records who, what, which execution and the outcome", async () => {
  const { body } = await post(base, "execute_workflow", { workflow_name: "one_step", input_data: "x" });
  const entry = await eventually(() => t.audit.find((e) => e.execution_id === body["execution_id"]));
  assert.equal([entry.gateway, entry.principal, entry.method, entry.outcome, entry.workflow_name, entry.status], ["http", "local", "execute_workflow", "ok", "one_step", "completed"]);
  assert.ok(t.audit.some((e) => e.outcome === "ok" && e.status === "queued"));
});

test("http - shutdown drains sync calls, cancels async executions and refuses new ones", async () => {
  const other = await startTestNode();
  const url = other.node.httpUrl!;
  const sync = post(url, "execute_workflow", { workflow_name: "slow", input_data: { ms: 300 } });
  const async = await post(url, "execute_workflow", { workflow_name: "slow", execution_mode: "async" });
  const started = async () => (await other.runtime.options.store.listRecords({ workflow_name: "slow" })).filter((r) => r.status !== "pending").length;
  await eventually(async () => ((await started()) === 2 ? true : undefined), 5000, "both executions to start");
  const closing = other.node.close(2000);
  assert.is((await sync).body["status"], "completed", "the running sync call finished within the grace period");
  await closing;
  const record = await other.runtime.status(async.body["execution_id"] as string);
  assert.is(record!.status, "cancelled", "the async execution is recorded as cancelled, not left running");
  await other.close();
});

test("http - wfx serve says where it listens, serves, and stops cleanly on SIGTERM", async () => {
  const dataDir = mkdtempSync(join(tmpdir(), "wfx-gw-serve-"));
  const child = spawn(process.execPath, [WFX, "serve", "--workflows", GATEWAY_WORKFLOWS, "--data-dir", dataDir, "--port", "0", "--no-grpc", "--grace", "1"], { stdio: ["ignore", "ignore", "pipe"] });
  let stderr = "";
  child.stderr.on("data", (d) => (stderr += d));
  const exited = new Promise<number | null>((resolve) => child.on("close", resolve));
  const url = await eventually(() => /HTTP:\s+(http:\/\/127\.0\.0\.1:\d+)/.exec(stderr)?.[1], 10_000, "wfx serve to start");
  assert.match(stderr, "no tokens configured: listening on 127.0.0.1 only");
  assert.is((await post(url, "execute_workflow", { workflow_name: "one_step", input_data: 5 })).body["result"], 5);
  child.kill("SIGTERM");
  assert.is(await exited, 0);
  assert.match(stderr, "SIGTERM: draining");
  rmSync(dataDir, { recursive: true, force: true });
});

test.run();
