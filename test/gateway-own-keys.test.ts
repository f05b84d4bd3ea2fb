import * as grpc from "@grpc/grpc-js";
import { test } from "uvu";
import * as assert from "uvu/assert";
import { errorBodyOf, grpcClient, unary } from "./helpers/gateway-grpc.js";
import { connectHttp } from "./helpers/gateway-mcp.js";
import { startTestNode, TOKENS, tokensText } from "./helpers/gateway-node.js";

// Keys every plain object inherits: looked up with obj[key] they find Object.prototype's members instead of nothing.
const INHERITED = ["constructor", "__proto__", "toString", "hasOwnProperty"];
const t = await startTestNode({ tokensText: tokensText(), host: "127.0.0.1" });
const base = t.node.httpUrl!;
const client = grpcClient(t.node.grpcAddress!);
const INLINE = "workflows: {main: {steps: [{id: look, tool: filesystem, args: {op: list}}]}}";

test.after(async () => {
  client.close();
  await t.close();
});

/** The body as JSON text: `{"__proto__": …}` written as a JS literal would set a prototype instead of sending the key. */
function bodyWith(method: string, key: string, where: "section" | "workflow" | "name"): string {
  const k = JSON.stringify(key);
  if (where === "section") return `{"workflow_name":"one_step"${method === "execute_workflow" ? ',"input_data":1' : ""},"config_override":{${k}:{"one_step":{"timeout":5}}}}`;
  if (where === "workflow") return `{"workflow_name":"one_step","config_override":{"workflows":{${k}:{"timeout":5}}}}`;
  return `{"workflow_yaml":${JSON.stringify(INLINE)},"workflow_name":${k}}`;
}

async function postText(method: string, text: string): Promise<{ status: number; body: Record<string, unknown> }> {
  const res = await fetch(`${base}/${method}`, { method: "POST", headers: { "content-type": "application/json", authorization: `Bearer ${TOKENS.runner}` }, body: text });
  return { status: res.status, body: (await res.json()) as Record<string, unknown> };
}

test("own keys http - a config_override section named after an inherited member is a 400 naming the field", async () => {
  for (const method of ["execute_workflow", "validate_workflow"]) {
    for (const key of INHERITED) {
      const { status, body } = await postText(method, bodyWith(method, key, "section"));
      assert.equal([status, body["code"]], [400, "WFX_INVALID_ARGUMENTS"], `${method} ${key}: ${JSON.stringify(body)}`);
      const problems = (body["actionable_feedback"] as { problems: { field: string }[] }).problems;
      assert.equal(problems.map((p) => p.field), [`config_override.${key}`]);
    }
  }
});

test("own keys http - a workflow or override target named after an inherited member is unknown, not found on Object.prototype", async () => {
  for (const key of INHERITED) {
    const named = await postText("execute_workflow", bodyWith("execute_workflow", key, "name"));
    assert.equal([named.status, named.body["code"]], [404, "WFX_UNKNOWN_WORKFLOW"], `${key}: ${JSON.stringify(named.body)}`);
    assert.match(String(named.body["message"]), `no workflow '${key}'`);
    const override = await postText("execute_workflow", bodyWith("execute_workflow", key, "workflow"));
    if (key === "__proto__") {
      assert.equal([override.status, override.body["code"]], [400, "WFX_INVALID_ARGUMENTS"], "a __proto__ key anywhere in a request is refused, naming where");
      assert.equal((override.body["actionable_feedback"] as { problems: { field: string }[] }).problems.map((p) => p.field), ["config_override.workflows.__proto__"]);
      continue;
    }
    assert.equal([override.status, override.body["code"]], [400, "WFX_WORKFLOW_INVALID"], `${key}: ${JSON.stringify(override.body)}`);
    assert.match(String(override.body["message"]), `unknown workflow '${key}'`);
  }
  assert.ok(!t.audit.some((e) => e.code === "WFX_INTERNAL"), "nothing reached the node as a bug");
});

test("own keys mcp - the same requests are tool errors naming the field", async () => {
  const mcp = await connectHttp(t.node.mcpUrl!, "2026-07-28", TOKENS.runner);
  for (const key of ["constructor", "toString"]) {
    const result = await mcp.callTool({ name: "execute_workflow", arguments: { workflow_name: "one_step", config_override: { [key]: { one_step: { timeout: 5 } } } } });
    assert.ok(result.isError);
    assert.is((result.structuredContent as Record<string, unknown>)["code"], "WFX_INVALID_ARGUMENTS");
    assert.match((result.content[0] as { text: string }).text, `config_override.${key}`);
    const named = await mcp.callTool({ name: "execute_workflow", arguments: { workflow_yaml: INLINE, workflow_name: key } });
    assert.is((named.structuredContent as Record<string, unknown>)["code"], "WFX_UNKNOWN_WORKFLOW");
  }
  await mcp.close();
});

test("own keys grpc - the same requests are INVALID_ARGUMENT naming the field", async () => {
  for (const key of ["constructor", "toString"]) {
    const error = (await unary(client, "ExecuteWorkflow", { workflow_name: "one_step", config_override_json: JSON.stringify({ [key]: { one_step: { timeout: 5 } } }) }, { token: TOKENS.runner }).catch((e) => e)) as grpc.ServiceError;
    assert.is(error.code, grpc.status.INVALID_ARGUMENT, String(error.details));
    assert.match(error.details, `config_override.${key}`);
    const named = (await unary(client, "ExecuteWorkflow", { workflow_yaml: INLINE, workflow_name: key }, { token: TOKENS.runner }).catch((e) => e)) as grpc.ServiceError;
    assert.equal([named.code, errorBodyOf(named)["code"]], [grpc.status.NOT_FOUND, "WFX_UNKNOWN_WORKFLOW"]);
  }
  assert.ok(!t.audit.some((e) => e.code === "WFX_INTERNAL"));
  assert.equal(await t.runtime.options.store.listRecords(), [], "nothing ran");
});

test.run();
