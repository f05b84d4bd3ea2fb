import { test } from "uvu";
import * as assert from "uvu/assert";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import * as grpc from "@grpc/grpc-js";
import { resolveCallerPolicy } from "../src/config/index.js";
import { MemoryExecutionStore, Runtime } from "../src/engine/index.js";
import { errorBodyOf, grpcClient, unary } from "./helpers/gateway-grpc.js";
import { connectHttp } from "./helpers/gateway-mcp.js";
import { post, startTestNode } from "./helpers/gateway-node.js";
import { startModelServer, type ChatBody, type ModelTurn } from "./helpers/model-server.js";

const WORKFLOWS = `
agents:
  - id: asker
    tools: [docs]
tools:
  - id: docs
    type: filesystem
workflows:
  ask:
    budget: { max_tokens: 10000, max_model_calls: 10 }
    steps:
      - agent: asker
        output: { to: user }
`;

function script(body: ChatBody): ModelTurn {
  const asked = body.messages.some((m) => m.role === "tool");
  return asked ? { content: "done", usage: { prompt_tokens: 120, completion_tokens: 30 } } : { toolCalls: [{ name: "docs", arguments: { op: "list" } }], usage: { prompt_tokens: 100, completion_tokens: 7 } };
}

const model = await startModelServer(script);
const dir = mkdtempSync(join(tmpdir(), "wfx-gw-usage-"));
writeFileSync(join(dir, "ask.yaml"), WORKFLOWS);
const runtime = new Runtime({
  store: new MemoryExecutionStore(),
  nodeId: "usage-node",
  env: model.env,
  callerPolicy: resolveCallerPolicy({ max_budget: { max_model_calls: 5 } }),
  prices: { "loopback-model": { prompt_per_1k: 0.5, completion_per_1k: 1.5, currency: "USD" } },
});
const t = await startTestNode({ workflowDirs: [dir] }, { runtime });
const base = t.node.httpUrl!;
const client = grpcClient(t.node.grpcAddress!);

test.after(async () => {
  client.close();
  await t.close();
  await model.close();
  rmSync(dir, { recursive: true, force: true });
});

const TOKENS = { prompt_tokens: 220, completion_tokens: 37, total_tokens: 257 };

test("gateway usage - an HTTP answer carries the execution's and the step's usage, with the estimated cost marked as such", async () => {
  const { status, body } = await post(base, "execute_workflow", { workflow_name: "ask" });
  assert.is(status, 200, JSON.stringify(body));
  assert.is(body["status"], "completed");
  const usage = body["usage"] as { tokens: unknown; model_calls: number; tool_calls: number; by_model: Record<string, { calls: number }>; estimated_cost: { amount: number; currency: string; estimate: boolean } };
  assert.equal(usage.tokens, TOKENS);
  assert.is(usage.model_calls, 2);
  assert.is(usage.tool_calls, 1);
  assert.is(usage.by_model["loopback-model"]!.calls, 2);
  assert.equal(usage.estimated_cost, { amount: Math.round(((220 / 1000) * 0.5 + (37 / 1000) * 1.5) * 1e6) / 1e6, currency: "USD", estimate: true });
  const step = (body["steps"] as { usage: { tokens: unknown } }[])[0]!;
  assert.equal(step.usage.tokens, TOKENS);
});

test("gateway usage - /metrics counts the tokens and calls by model and workflow after a run", async () => {
  const text = await (await fetch(`${base}/metrics`)).text();
  const tokens = (kind: string) => Number(new RegExp(`wfx_model_tokens_total\\{kind="${kind}",model="loopback-model",workflow="ask"\\} (\\d+)`).exec(text)?.[1]);
  assert.ok(tokens("prompt") >= 220 && tokens("prompt") % 220 === 0, `prompt tokens counted per run: ${tokens("prompt")}`);
  assert.is(tokens("completion") / 37, tokens("prompt") / 220, "as many runs of completion tokens as of prompt tokens");
  assert.match(text, /wfx_model_calls_total\{model="loopback-model",workflow="ask"\} \d+/);
  assert.match(text, /wfx_agent_tool_calls_total\{workflow="ask"\} \d+/);
  assert.match(text, /wfx_node_load1 [\d.]+/);
  assert.match(text, /wfx_node_memory_rss_bytes \d+/);
});

test("gateway usage - a request budget above the workflow's is refused with 400, naming the field", async () => {
  const before = model.requests.length;
  const { status, body } = await post(base, "execute_workflow", { workflow_name: "ask", budget: { max_tokens: 20000 } });
  assert.is(status, 400);
  assert.is(body["code"], "WFX_BUDGET_ABOVE_WORKFLOW");
  assert.match(String(body["message"]), "budget.max_tokens 20000 of the request is above the budget.max_tokens 10000 of workflow 'ask'");
  assert.match(String(body["hint"]), "at most 10000");
  assert.is(model.requests.length, before, "nothing ran");
});

test("gateway usage - a request budget above the caller policy's max_budget is refused with 403", async () => {
  const { status, body } = await post(base, "execute_workflow", { workflow_name: "ask", budget: { max_model_calls: 8 } });
  assert.is(status, 403);
  assert.is(body["code"], "WFX_BUDGET_ABOVE_POLICY");
  assert.match(String(body["message"]), "caller_policy.max_budget");
});

test("gateway usage - a malformed budget is an invalid argument naming budget.max_tokens", async () => {
  const { status, body } = await post(base, "execute_workflow", { workflow_name: "ask", budget: { max_tokens: 0 } });
  assert.is(status, 400);
  assert.is(body["code"], "WFX_INVALID_ARGUMENTS");
  assert.match(String(body["message"]), "budget.max_tokens");
});

test("gateway usage - a request budget the run then reaches fails it with WFX_BUDGET_EXCEEDED", async () => {
  const { body } = await post(base, "execute_workflow", { workflow_name: "ask", budget: { max_model_calls: 1 } });
  assert.is(body["status"], "failed");
  assert.is((body["error"] as { code: string }).code, "WFX_BUDGET_EXCEEDED");
  assert.match((body["error"] as { message: string }).message, "max_model_calls 1 reached");
});

test("gateway usage - gRPC answers carry usage_json; budget_json lowers the budget, and above the workflow's is INVALID_ARGUMENT", async () => {
  const answer = await unary(client, "ExecuteWorkflow", { workflow_name: "ask" });
  assert.equal((JSON.parse(answer["usage_json"] as string) as { tokens: unknown }).tokens, TOKENS);
  const steps = answer["steps"] as { usage_json: string }[];
  assert.equal((JSON.parse(steps[0]!.usage_json) as { tokens: unknown }).tokens, TOKENS);
  const error = (await unary(client, "ExecuteWorkflow", { workflow_name: "ask", budget_json: '{"max_tokens": 20000}' }).catch((e: unknown) => e)) as grpc.ServiceError;
  assert.is(error.code, grpc.status.INVALID_ARGUMENT);
  assert.is(errorBodyOf(error)["code"], "WFX_BUDGET_ABOVE_WORKFLOW");
});

test("gateway usage - an MCP execute_workflow result has usage in its structured content", async () => {
  const c = await connectHttp(t.node.mcpUrl!, "2026-07-28");
  const result = await c.callTool({ name: "execute_workflow", arguments: { workflow_name: "ask" } });
  await c.close();
  const content = result.structuredContent as { status: string; usage: { tokens: unknown } };
  assert.is(content.status, "completed");
  assert.equal(content.usage.tokens, TOKENS);
});

test.run();
