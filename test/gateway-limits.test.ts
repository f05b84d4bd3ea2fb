import * as grpc from "@grpc/grpc-js";
import { test } from "uvu";
import * as assert from "uvu/assert";
import { post, TOKENS } from "./helpers/gateway-node.js";
import { deepJson, grpcOutcome, mcpToolCallText, postText } from "./helpers/gateway-raw.js";
import { startLimitsNode } from "./helpers/limits-node.js";

type Msg = Record<string, unknown>;

const { t, base, client, mcp, close } = await startLimitsNode();

test.after(close);

const recordCount = async () => (await t.runtime.options.store.listRecords()).length;

/** Nothing ran, nothing is held, nothing failed inside the node, and it still runs a workflow at once. */
async function assertUntouched(recordsBefore: number): Promise<void> {
  assert.equal(t.runtime.recorder.liveIds(), []);
  assert.is(await recordCount(), recordsBefore, "no execution was started");
  assert.is(t.node.registry.self().load, 0, "every admission slot is free");
  assert.equal(t.audit.filter((a) => a.code === "WFX_INTERNAL"), [], "nothing failed inside the node");
  const normal = await post(base, "execute_workflow", { workflow_name: "one_step", input_data: 1 }, TOKENS.runner);
  assert.equal([normal.status, normal.body["status"]], [200, "completed"]);
}

function problemsOf(body: Msg | undefined): { field: string; message: string; expected: string }[] {
  return ((body?.["actionable_feedback"] as Msg | undefined)?.["problems"] ?? []) as { field: string; message: string; expected: string }[];
}

function assertNamesInputDepth(body: Msg | undefined, where: string): void {
  assert.is(body?.["code"], "WFX_INVALID_ARGUMENTS", where);
  const [problem] = problemsOf(body);
  assert.is(problem?.field, "input_data", where);
  assert.match(problem!.message, "nests more than 64 levels deep", where);
  assert.match(problem!.expected, "at most 64 levels deep (the node's maxJsonDepth); flatten it", where);
}

test("limits - input_data nested 5,000 deep, three times on a 3-slot node, is refused over HTTP, MCP and gRPC before admission", async () => {
  const before = await recordCount();
  const attack = `{"workflow_name":"one_step","input_data":${deepJson(5000)}}`;
  for (let i = 0; i < 3; i++) {
    const http = await postText(`${base}/execute_workflow`, attack, TOKENS.runner);
    assert.is(http.status, 400);
    assertNamesInputDepth(http.body, "http");
    const viaMcp = await mcpToolCallText(t.node.mcpUrl!, "execute_workflow", `{"workflow_name":"one_step","input_data":${deepJson(5000)}}`, TOKENS.runner);
    const rpcError = viaMcp.body["error"] as Msg;
    assert.equal([viaMcp.status, rpcError["code"], (rpcError["data"] as Msg)["code"]], [400, -32602, "WFX_INVALID_ARGUMENTS"]);
    assert.match(String(rpcError["message"]), "params.arguments.input_data… nests more than 64 levels deep (the node's maxJsonDepth)");
    const viaGrpc = await grpcOutcome(client, "ExecuteWorkflow", { workflow_name: "one_step", input_data_json: deepJson(5000) }, TOKENS.runner);
    assert.is(viaGrpc.code, grpc.status.INVALID_ARGUMENT);
    assertNamesInputDepth(viaGrpc.error, "grpc");
  }
  // Just past the cap, through the MCP SDK: a tool error naming the field.
  const justPast = await mcp.callTool({ name: "execute_workflow", arguments: { workflow_name: "one_step", input_data: JSON.parse(deepJson(65)) } });
  assert.is(justPast.isError, true);
  assertNamesInputDepth(justPast.structuredContent as Msg, "mcp tool");
  const atCap = await post(base, "execute_workflow", { workflow_name: "one_step", input_data: JSON.parse(deepJson(64)) }, TOKENS.runner);
  assert.equal([atCap.status, atCap.body["status"]], [200, "completed"], "64 levels are allowed");
  await assertUntouched(before + 1);
});

test("limits - JSON nested 200,000 deep in step args or anywhere in a body is a 400 / INVALID_ARGUMENT, never a 500", async () => {
  const before = await recordCount();
  const deep = deepJson(200_000);
  const inline = `{"workflows":{"w":{"steps":[{"id":"a","tool":"filesystem","args":${deep}}]}}}`;
  for (const [method, text, field] of [
    ["execute_workflow", `{"workflow_config":${inline}}`, "workflow_config"],
    ["validate_workflow", `{"workflow_config":${inline}}`, "workflow_config"],
    ["execute_workflow", `{"workflow_name":"one_step","config_override":{"workflows":${deep}}}`, "config_override"],
    ["list_workflows", `{"pattern":${deep}}`, "pattern"],
  ] as const) {
    const http = await postText(`${base}/${method}`, text, TOKENS.runner);
    assert.equal([method, http.status, http.body["code"], problemsOf(http.body)[0]?.field], [method, 400, "WFX_INVALID_ARGUMENTS", field]);
  }
  const viaMcp = await mcpToolCallText(t.node.mcpUrl!, "execute_workflow", `{"workflow_config":${inline}}`, TOKENS.runner);
  assert.equal([viaMcp.status, (viaMcp.body["error"] as Msg)["code"]], [400, -32602]);
  assert.match(String((viaMcp.body["error"] as Msg)["message"]), "params.arguments.workflow_config…");
  for (const [rpc, request, field] of [
    ["ExecuteWorkflow", { workflow_config_json: inline }, "workflow_config"],
    ["ExecuteWorkflow", { workflow_name: "one_step", input_data_json: deep }, "input_data"],
    ["ValidateWorkflow", { workflow_config_json: inline }, "workflow_config"],
  ] as const) {
    const viaGrpc = await grpcOutcome(client, rpc, request, TOKENS.runner);
    assert.equal([rpc, viaGrpc.code, viaGrpc.error?.["code"], problemsOf(viaGrpc.error)[0]?.field], [rpc, grpc.status.INVALID_ARGUMENT, "WFX_INVALID_ARGUMENTS", field]);
  }
  await assertUntouched(before);
});

test("limits - input_data over 1 MiB is refused naming the field, the limit and what to do instead", async () => {
  const before = await recordCount();
  const big = { workflow_name: "one_step", input_data: "x".repeat(1024 * 1024 + 10) };
  const http = await post(base, "execute_workflow", big, TOKENS.runner);
  assert.equal([http.status, http.body["code"]], [400, "WFX_INVALID_ARGUMENTS"]);
  const [problem] = problemsOf(http.body);
  assert.equal([problem?.field, problem?.message], ["input_data", "is more than 1048576 bytes of JSON"]);
  assert.match(problem!.expected, "(the node's maxInputBytes); pass large data by reference");
  const viaMcp = await mcp.callTool({ name: "execute_workflow", arguments: big });
  assert.equal([viaMcp.isError, problemsOf(viaMcp.structuredContent as Msg)[0]?.field], [true, "input_data"]);
  const viaGrpc = await grpcOutcome(client, "ExecuteWorkflow", { workflow_name: "one_step", input_data_json: JSON.stringify(big.input_data) }, TOKENS.runner);
  assert.equal([viaGrpc.code, problemsOf(viaGrpc.error)[0]?.field], [grpc.status.INVALID_ARGUMENT, "input_data"]);
  await assertUntouched(before);
});

/** An inline file whose one workflow has `count` filesystem steps. */
function stepsWorkflow(count: number): Msg {
  return { tools: [{ id: "scratch", type: "filesystem" }], workflows: { w: { steps: Array.from({ length: count }, (_, i) => ({ id: `s${i}`, tool: "scratch", args: { op: "list" } })) } } };
}

test("limits - an inline workflow of 201 steps is refused over HTTP, MCP and gRPC, and validate_workflow says why", async () => {
  const before = await recordCount();
  const long = stepsWorkflow(201);
  const http = await post(base, "execute_workflow", { workflow_config: long }, TOKENS.runner);
  assert.equal([http.status, http.body["code"]], [400, "WFX_INLINE_WORKFLOW_REJECTED"]);
  assert.match(String(http.body["message"]), "workflows.w has 201 steps; inline workflows may have at most 200 (the node's maxInlineSteps)");
  assert.match(String(http.body["hint"]), "split it into sub-workflows");
  const viaMcp = await mcp.callTool({ name: "execute_workflow", arguments: { workflow_config: long } });
  assert.equal([viaMcp.isError, (viaMcp.structuredContent as Msg)["code"]], [true, "WFX_INLINE_WORKFLOW_REJECTED"]);
  const viaGrpc = await grpcOutcome(client, "ExecuteWorkflow", { workflow_config_json: JSON.stringify(long) }, TOKENS.runner);
  assert.equal([viaGrpc.code, viaGrpc.error?.["code"]], [grpc.status.INVALID_ARGUMENT, "WFX_INLINE_WORKFLOW_REJECTED"]);
  const validated = await post(base, "validate_workflow", { workflow_config: long }, TOKENS.runner);
  assert.equal([validated.body["valid"], (validated.body["problems"] as Msg[])[0]?.["code"]], [false, "WFX_INLINE_WORKFLOW_REJECTED"]);
  assert.is((await post(base, "validate_workflow", { workflow_config: stepsWorkflow(200) }, TOKENS.runner)).body["valid"], true, "200 steps are allowed");
  await assertUntouched(before);
});

test("limits - an inline for_each over 1,000,000 items fails its step before any iteration, over HTTP, MCP and gRPC", async () => {
  const attack = { tools: [{ id: "scratch", type: "filesystem" }], workflows: { w: { steps: [{ id: "each", tool: "scratch", for_each: new Array(1_000_000).fill(0), args: { op: "list" } }] } } };
  const answers: Msg[] = [];
  answers.push((await post(base, "execute_workflow", { workflow_config: attack }, TOKENS.runner)).body);
  answers.push((await mcp.callTool({ name: "execute_workflow", arguments: { workflow_config: attack } })).structuredContent as Msg);
  answers.push((await grpcOutcome(client, "ExecuteWorkflow", { workflow_config_json: JSON.stringify(attack) }, TOKENS.runner)).message!);
  for (const answer of answers) {
    assert.equal([answer["status"], (answer["error"] as Msg)["code"]], ["failed", "WFX_FOR_EACH_TOO_LONG"]);
    assert.match(String((answer["error"] as Msg)["message"]), "gave 1000000 items; a for_each may have at most 10000 (the node's maxForEachItems)");
    const events = await t.runtime.options.store.getEvents(String(answer["execution_id"]));
    assert.equal(events.filter((e) => e.type === "step.started" || e.type === "step.progress"), [], "no iteration started");
  }
  await assertUntouched(await recordCount());
});

test.run();
