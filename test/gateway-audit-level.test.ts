import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "uvu";
import * as assert from "uvu/assert";
import type { AuditEntry } from "../src/observability/index.js";
import { grpcClient, unary } from "./helpers/gateway-grpc.js";
import { callJson, connectHttp } from "./helpers/gateway-mcp.js";
import { eventually } from "./helpers/engine-fixture.js";
import { post, startTestNode, TOKENS, tokensText } from "./helpers/gateway-node.js";

test("audit - at log level warn every successful call over HTTP, MCP and gRPC is still in the audit log", async () => {
  const dir = mkdtempSync(join(tmpdir(), "wfx-audit-"));
  const file = join(dir, "audit.jsonl");
  const before = process.env["WFX_LOG_LEVEL"];
  process.env["WFX_LOG_LEVEL"] = "warn";
  // The node builds its own audit logger (no test capture), as `wfx serve --audit-log FILE` with WFX_LOG_LEVEL=warn does.
  const t = await startTestNode({ tokensText: tokensText(), host: "127.0.0.1", logLevel: "warn", auditLogFile: file }, { auditLogger: undefined });
  try {
    assert.is((await post(t.node.httpUrl!, "execute_workflow", { workflow_name: "one_step", input_data: 1 }, TOKENS.runner)).status, 200);
    const mcp = await connectHttp(t.node.mcpUrl!, "2026-07-28", TOKENS.runner);
    assert.is((await callJson(mcp, "execute_workflow", { workflow_name: "one_step", input_data: 2 }))["status"], "completed");
    await mcp.close();
    const client = grpcClient(t.node.grpcAddress!);
    assert.is((await unary(client, "ExecuteWorkflow", { workflow_name: "one_step", input_data_json: "3" }, { token: TOKENS.runner }))["status"], "completed");
    client.close();
    await t.node.audit.flush();
    // The file is written by the logger's own stream: read it until the three entries have landed.
    const runs = await eventually(() => {
      const entries = readFileSync(file, "utf8").trim().split("\n").filter(Boolean).map((line) => JSON.parse(line) as AuditEntry & { audit: boolean });
      const found = entries.filter((e) => e.audit && e.method === "execute_workflow" && e.outcome === "ok" && e.principal === "runner");
      return found.length >= 3 ? found : undefined;
    }, 5000, "three audit entries");
    assert.equal(runs.map((e) => e.gateway).sort(), ["grpc", "http", "mcp"]);
    assert.ok(runs.every((e) => e.status === "completed" && e.workflow_name === "one_step"));
  } finally {
    if (before === undefined) delete process.env["WFX_LOG_LEVEL"];
    else process.env["WFX_LOG_LEVEL"] = before;
    await t.close();
    rmSync(dir, { recursive: true, force: true });
  }
});

test.run();
