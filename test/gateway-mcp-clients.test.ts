import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "uvu";
import * as assert from "uvu/assert";
import { MemoryExecutionStore, Runtime } from "../src/engine/index.js";
import { METHOD_NAMES } from "../src/gateway/index.js";
import { GATEWAY_WORKFLOWS, startTestNode, TOKENS, tokensText } from "./helpers/gateway-node.js";
import { connectGeneration, GENERATIONS, type McpCaller, type McpTarget, type ToolResult } from "./helpers/mcp-generations.js";
import { NO_MODEL_ENV, startModelServer } from "./helpers/model-server.js";
import { assertReportsGenerated, RecordingGenerator, REPORTS, REPORTS_RESULT } from "./helpers/template-generator.js";

// Every tool, answered and refused, through the official client of each SDK generation over both transports: the v1
// client validates structuredContent against the tool's outputSchema even on errors, the v2 client only on answers.

const model = await startModelServer();
const runtime = new Runtime({ store: new MemoryExecutionStore(), nodeId: "test-node", env: model.env });
const t = await startTestNode({ tokensText: tokensText() }, { runtime, generator: new RecordingGenerator() });
const dataDir = mkdtempSync(join(tmpdir(), "wfx-mcp-clients-"));

test.after(async () => {
  await t.close();
  await model.close();
  rmSync(dataDir, { recursive: true, force: true });
});

function answer(result: ToolResult, tool: string): Record<string, unknown> {
  assert.is(result.isError ?? false, false, `${tool}: ${result.content[0]?.text}`);
  assert.type(result.structuredContent, "object", tool);
  assert.equal(JSON.parse(result.content[0]!.text!), result.structuredContent, `${tool}: the text is the same JSON`);
  return result.structuredContent!;
}

/** One successful call of every tool, checking what each answers. */
async function answersEveryTool(c: McpCaller, transport: "http" | "stdio"): Promise<void> {
  const call = async (name: string, args: Record<string, unknown>) => answer(await c.callTool({ name, arguments: args }), name);
  const run = await call("execute_workflow", { workflow_name: "three_steps", input_data: { value: 2 } });
  assert.equal([run["status"], run["result"]], ["completed", 8]);
  const id = run["execution_id"] as string;
  assert.is((await call("check_execution_status", { execution_id: id }))["status"], "completed");
  assert.is((await call("watch_execution", { execution_id: id, after_seq: 0 }))["done"], true);
  const slow = await call("execute_workflow", { workflow_name: "slow", execution_mode: "async" });
  assert.equal((await call("cancel_execution", { execution_id: slow["execution_id"] }))["cancelled"], true);
  assert.ok((await call("list_workflows", {}))["workflows"] as unknown[]);
  assert.is((await call("validate_workflow", { workflow_name: "slow" }))["valid"], true);
  assert.is(((await call("list_nodes", {}))["nodes"] as unknown[]).length, 1);
  assertReportsGenerated(await call("generate_workflow", REPORTS));
  const executed = await call("execute_generated_workflow", REPORTS);
  if (transport === "http") {
    assert.is(executed["status"], "completed", JSON.stringify(executed["error"]));
    assert.match(String(executed["result"]), REPORTS_RESULT);
  } else {
    assert.equal([executed["status"], (executed["error"] as { code: string }).code], ["failed", "WFX_AGENT_NO_ENDPOINT"]);
  }
}

interface Refusal {
  tool: string;
  args: Record<string, unknown>;
  code: string;
  /** The field actionable_feedback names first, for a bad request. */
  field?: string;
  /** Only over HTTP, called with this token instead. */
  token?: string;
}

const REFUSALS: Refusal[] = [
  { tool: "execute_workflow", args: { workflow_name: "three_steps", execution_mode: "bogus" }, code: "WFX_INVALID_ARGUMENTS", field: "execution_mode" },
  { tool: "execute_workflow", args: { workflow_name: "no_such_workflow" }, code: "WFX_UNKNOWN_WORKFLOW" },
  { tool: "execute_workflow", args: { workflow_yaml: "not: [valid" }, code: "WFX_WORKFLOW_INVALID" },
  { tool: "execute_workflow", args: { workflow_config: { tools: [{ id: "web", type: "http" }], workflows: { w: { steps: [{ id: "a", tool: "web", args: {} }] } } } }, code: "WFX_CALLER_POLICY_DENIED" },
  { tool: "execute_workflow", args: { workflow_name: "one_step" }, code: "WFX_PERMISSION_DENIED", token: TOKENS.reader },
  { tool: "generate_workflow", args: { workflow_description: "" }, code: "WFX_INVALID_ARGUMENTS", field: "workflow_description" },
  { tool: "execute_generated_workflow", args: { ...REPORTS, complexity: "huge" }, code: "WFX_INVALID_ARGUMENTS", field: "complexity" },
  { tool: "execute_generated_workflow", args: { ...REPORTS, agents_config: { a: {}, b: {}, c: {} } }, code: "WFX_GENERATION_INVALID" },
  { tool: "check_execution_status", args: {}, code: "WFX_INVALID_ARGUMENTS", field: "execution_id" },
  { tool: "cancel_execution", args: { execution_id: "" }, code: "WFX_INVALID_ARGUMENTS", field: "execution_id" },
  { tool: "cancel_execution", args: { execution_id: "someone-elses" }, code: "WFX_PERMISSION_DENIED", token: TOKENS.reader },
  { tool: "list_workflows", args: { config_path: "/nonexistent" }, code: "WFX_DIRECTORY_NOT_SERVED" },
  { tool: "validate_workflow", args: { workflow_name: "no_such_workflow" }, code: "WFX_UNKNOWN_WORKFLOW" },
  { tool: "validate_workflow", args: { workflow_name: "slow", workflow_yaml: "x", workflow_config: {} }, code: "WFX_INVALID_ARGUMENTS", field: "workflow_yaml" },
  { tool: "watch_execution", args: { execution_id: "x", max_events: 0 }, code: "WFX_INVALID_ARGUMENTS", field: "max_events" },
  { tool: "list_nodes", args: { tags: "gpu" }, code: "WFX_INVALID_ARGUMENTS", field: "tags" },
  { tool: "list_executions", args: { limit: 0 }, code: "WFX_INVALID_ARGUMENTS", field: "limit" },
];

test("mcp clients - the refusals cover every tool", () => {
  assert.equal(new Set(REFUSALS.map((r) => r.tool)), new Set(METHOD_NAMES));
});

/** Every refusal is a tool error whose structured body and text both carry the code (and the feedback of a bad request). */
async function refusesEveryTool(c: McpCaller, connect: (token: string) => Promise<McpCaller> | undefined): Promise<void> {
  for (const refusal of REFUSALS) {
    const other = refusal.token === undefined ? undefined : connect(refusal.token);
    if (refusal.token !== undefined && other === undefined) continue;
    const caller = other === undefined ? c : await other;
    const result = await caller.callTool({ name: refusal.tool, arguments: refusal.args });
    const what = `${refusal.tool} ${JSON.stringify(refusal.args)}`;
    assert.is(result.isError, true, what);
    const body = result.structuredContent ?? {};
    assert.is(body["code"], refusal.code, what);
    const text = result.content[0]?.text ?? "";
    assert.ok(text.startsWith(`${refusal.code}: `), text);
    if (refusal.field !== undefined) {
      assert.is((body["actionable_feedback"] as { problems: { field: string }[] }).problems[0]?.field, refusal.field, what);
      assert.match(text, "actionable_feedback: {");
    }
    if (other !== undefined) await caller.close();
  }
}

for (const generation of GENERATIONS) {
  test(`mcp clients - ${generation} over Streamable HTTP: every tool answers and refuses in a shape the client accepts`, async () => {
    const target = (token: string): McpTarget => ({ http: t.node.mcpUrl!, token });
    const c = await connectGeneration(generation, target(TOKENS.admin));
    const { tools } = await c.listTools();
    assert.equal(tools.map((tool) => tool.name).sort(), [...METHOD_NAMES].sort());
    await answersEveryTool(c, "http");
    await refusesEveryTool(c, (token) => connectGeneration(generation, target(token)));
    await c.close();
  });

  test(`mcp clients - ${generation} over stdio: every tool answers and refuses in a shape the client accepts`, async () => {
    const c = await connectGeneration(generation, { stdio: ["--workflows", GATEWAY_WORKFLOWS, "--data-dir", join(dataDir, generation.replace(/\W+/g, "-"))], env: NO_MODEL_ENV });
    await c.listTools();
    await answersEveryTool(c, "stdio");
    await refusesEveryTool(c, () => undefined);
    await c.close();
  });
}

test.run();
