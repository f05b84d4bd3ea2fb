import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "uvu";
import * as assert from "uvu/assert";
import type { Client } from "@modelcontextprotocol/client";
import { MemoryExecutionStore, Runtime } from "../src/engine/index.js";
import { METHOD_NAMES } from "../src/gateway/index.js";
import { eventually } from "./helpers/engine-fixture.js";
import { callJson, connectHttp, connectStdio, type Era } from "./helpers/gateway-mcp.js";
import { GATEWAY_WORKFLOWS, startTestNode } from "./helpers/gateway-node.js";
import { NO_MODEL_ENV, startModelServer } from "./helpers/model-server.js";
import { assertReportsGenerated, RecordingGenerator, REPORTS, REPORTS_RESULT } from "./helpers/template-generator.js";

// The HTTP node's agents reach the loopback echo model; the stdio node (wfx mcp, the CLI's generator) has no model.
const model = await startModelServer();
const t = await startTestNode({}, { generator: new RecordingGenerator(), runtime: new Runtime({ store: new MemoryExecutionStore(), nodeId: "test-node", env: model.env }) });
const url = t.node.mcpUrl!;
const dataDir = mkdtempSync(join(tmpdir(), "wfx-gw-mcp-"));

test.after(async () => {
  await t.close();
  await model.close();
  rmSync(dataDir, { recursive: true, force: true });
});

/** Calls every tool once and checks the answers; over stdio generated agents have no model, so their run fails saying so. */
async function exerciseEveryTool(c: Client, transport: "http" | "stdio"): Promise<void> {
  const { tools } = await c.listTools();
  assert.equal(tools.map((tool) => tool.name).sort(), [...METHOD_NAMES].sort());
  const status = tools.find((tool) => tool.name === "check_execution_status")!;
  assert.equal([status.annotations?.readOnlyHint, status.annotations?.idempotentHint], [true, true]);
  assert.is(tools.find((tool) => tool.name === "execute_workflow")!.annotations?.destructiveHint, true);
  assert.ok(tools.every((tool) => tool.outputSchema !== undefined), "every tool declares an outputSchema");

  const run = await callJson(c, "execute_workflow", { workflow_name: "three_steps", input_data: { value: 2 } });
  assert.equal([run["status"], run["result"]], ["completed", 8]);
  const id = run["execution_id"] as string;
  assert.is((await callJson(c, "check_execution_status", { execution_id: id }))["status"], "completed");
  const watched = await callJson(c, "watch_execution", { execution_id: id, after_seq: 0 });
  assert.equal([watched["done"], (watched["events"] as unknown[]).length > 5], [true, true]);
  assert.is((await callJson(c, "cancel_execution", { execution_id: id }))["cancelled"], false);
  assert.ok(((await callJson(c, "list_workflows", {}))["workflows"] as { name: string }[]).some((w) => w.name === "slow"));
  assert.is((await callJson(c, "validate_workflow", { workflow_name: "slow" }))["valid"], true);
  assert.is(((await callJson(c, "list_nodes", {}))["nodes"] as unknown[]).length, 1);
  assertReportsGenerated(await callJson(c, "generate_workflow", REPORTS));
  const ran = await callJson(c, "execute_generated_workflow", { ...REPORTS, workflow_name: "reports" });
  assert.equal([ran["workflow_name"], (ran["generation"] as { generator: string }).generator], ["reports", "template"]);
  if (transport === "http") assert.equal([ran["status"], REPORTS_RESULT.test(String(ran["result"]))], ["completed", true], JSON.stringify(ran["result"]));
  else assert.equal([ran["status"], (ran["error"] as { code: string }).code], ["failed", "WFX_AGENT_NO_ENDPOINT"]);
}

for (const era of ["2026-07-28", "2025-11-25"] as Era[]) {
  test(`mcp http ${era} - every tool answers with structured content`, async () => {
    const c = await connectHttp(url, era);
    assert.is(c.getNegotiatedProtocolVersion(), era);
    await exerciseEveryTool(c, "http");
    await c.close();
  });

  test(`mcp http ${era} - a sync execution sends a progress notification for every step event`, async () => {
    const c = await connectHttp(url, era);
    const seen: { progress: number; message?: string }[] = [];
    const result = await c.callTool({ name: "execute_workflow", arguments: { workflow_name: "three_steps", input_data: { value: 1 } } }, { onprogress: (p) => seen.push(p) });
    assert.is((result.structuredContent as { status: string }).status, "completed");
    assert.is(seen.length, 6, "started and completed for each of three steps");
    assert.ok(seen.every((p, i) => i === 0 || p.progress > seen[i - 1]!.progress), "progress only grows");
    assert.match(seen.at(-1)!.message!, "step.completed third");
    await c.close();
  });

  test(`mcp http ${era} - cancelling the call cancels the sync execution`, async () => {
    const c = await connectHttp(url, era);
    const before = new Set((await t.runtime.options.store.listRecords({ workflow_name: "slow" })).map((r) => r.execution_id));
    const abort = new AbortController();
    const call = c.callTool({ name: "execute_workflow", arguments: { workflow_name: "slow" } }, { signal: abort.signal });
    const record = await eventually(async () => (await t.runtime.options.store.listRecords({ workflow_name: "slow", status: "running" })).find((r) => !before.has(r.execution_id)));
    abort.abort();
    await call.catch(() => undefined);
    const final = await eventually(async () => {
      const r = await t.runtime.status(record.execution_id);
      return r && r.status !== "running" ? r : undefined;
    });
    assert.is(final.status, "cancelled");
    await c.close();
  });

  test(`mcp http ${era} - invalid arguments are a tool error naming the field and what it expects`, async () => {
    const c = await connectHttp(url, era);
    const result = await c.callTool({ name: "watch_execution", arguments: { execution_id: "x", max_events: 0 } });
    assert.ok(result.isError);
    const text = (result.content[0] as { text: string }).text;
    assert.match(text, "WFX_INVALID_ARGUMENTS");
    assert.match(text, "max_events");
    assert.match(text, "an integer >= 1 and <= 1000");
    assert.match(text, "actionable_feedback");
    await c.close();
  });
}

for (const era of ["2026-07-28", "2025-11-25"] as Era[]) {
  test(`mcp stdio ${era} - wfx mcp --stdio serves every tool`, async () => {
    const c = await connectStdio(era, ["--workflows", GATEWAY_WORKFLOWS, "--data-dir", dataDir], NO_MODEL_ENV);
    await exerciseEveryTool(c, "stdio");
    await c.close();
  });
}

test("mcp stdio - closing stdin cancels a running sync execution and the process exits", async () => {
  const c = await connectStdio("2026-07-28", ["--workflows", GATEWAY_WORKFLOWS, "--data-dir", dataDir, "--grace", "0"]);
  await callJson(c, "list_nodes", {});
  let stepStarted!: () => void;
  const running = new Promise<void>((resolve) => (stepStarted = resolve));
  // The first progress notification is the step's step.started: the execution is running when stdin closes.
  const call = c.callTool({ name: "execute_workflow", arguments: { workflow_name: "slow", input_data: { ms: 30_000 } } }, { onprogress: () => stepStarted() }).catch(() => undefined);
  await running;
  await c.close();
  await call;
  const { EmbeddedExecutionStore } = await import("../src/engine/index.js");
  const store = await EmbeddedExecutionStore.open({ dataDir });
  const records = await eventually(async () => {
    const slow = await store.listRecords({ workflow_name: "slow" });
    return slow.length > 0 && slow.every((r) => r.status !== "running") ? slow : undefined;
  }, 5000, "the stdio node to record the end of its execution");
  await store.close();
  assert.ok(records.every((r) => r.status === "cancelled"), JSON.stringify(records.map((r) => r.status)));
});

test.run();
