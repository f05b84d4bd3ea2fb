import * as grpc from "@grpc/grpc-js";
import { test } from "uvu";
import * as assert from "uvu/assert";
import { eventually } from "./helpers/engine-fixture.js";
import { collect, errorBodyOf, grpcClient, metadataFor, unary, watch } from "./helpers/gateway-grpc.js";
import { connectHttp } from "./helpers/gateway-mcp.js";
import { post, startTestNode, TOKEN_ENTRIES, TOKENS, tokensText } from "./helpers/gateway-node.js";
import { RecordingGenerator } from "./helpers/template-generator.js";

// Every scope, but only for nodes tagged gpu; the test node has no tags.
const GPU_ADMIN = "gpu-admin-token-0123456789abcdef";
const generator = new RecordingGenerator();
const t = await startTestNode({ tokensText: tokensText([...TOKEN_ENTRIES, { id: "gpu-admin", token: GPU_ADMIN, scopes: ["admin"], tags: ["gpu"] }]), host: "127.0.0.1" }, { generator });
const base = t.node.httpUrl!;
const client = grpcClient(t.node.grpcAddress!);
/** An execution of this node, running while the suite runs (started by its hook: uvu imports every file first). */
let executionId = "";

test.before(async () => {
  const started = await post(base, "execute_workflow", { workflow_name: "slow", input_data: { ms: 600_000 }, execution_mode: "async" }, TOKENS.runner);
  executionId = String(started.body["execution_id"]);
});

test.after(async () => {
  await post(base, "cancel_execution", { execution_id: executionId }, TOKENS.runner);
  client.close();
  await t.close();
});

/** Every method that touches this node's workflows, executions or generator, with arguments it would accept. */
const calls = (): [method: string, rpc: string, args: Record<string, unknown>][] => [
  ["execute_workflow", "ExecuteWorkflow", { workflow_name: "one_step", input_data: 1 }],
  ["generate_workflow", "GenerateWorkflow", { workflow_description: "list the sandbox" }],
  ["execute_generated_workflow", "ExecuteGeneratedWorkflow", { workflow_description: "list the sandbox" }],
  ["check_execution_status", "CheckExecutionStatus", { execution_id: executionId }],
  ["cancel_execution", "CancelExecution", { execution_id: executionId }],
  ["list_workflows", "ListWorkflows", {}],
  ["validate_workflow", "ValidateWorkflow", { workflow_name: "one_step" }],
  ["watch_execution", "PollExecution", { execution_id: executionId, wait: 0 }],
];

async function nothingHappened(): Promise<void> {
  assert.equal((await t.runtime.options.store.listRecords()).map((r) => r.execution_id), [executionId], "nothing was started");
  assert.is((await t.runtime.status(executionId))?.status, "running", "nor cancelled");
  assert.is(generator.requests.length, 0, "nor generated");
}

test("node tags http - a token limited to other nodes' tags is refused every method, route and stream of this node", async () => {
  for (const [method, , args] of calls()) {
    const { status, body } = await post(base, method, args, GPU_ADMIN);
    assert.equal([status, body["code"]], [403, "WFX_PERMISSION_DENIED"], `${method}: ${JSON.stringify(body)}`);
    assert.match(String(body["message"]), "may not use node 'test-node'");
    assert.match(String(body["hint"]), "limited to nodes tagged gpu");
  }
  for (const path of [`/executions/${executionId}`, `/executions/${executionId}/events`, "/metrics"]) {
    const res = await fetch(`${base}${path}`, { headers: { authorization: `Bearer ${GPU_ADMIN}` } });
    const body = (await res.json()) as Record<string, unknown>;
    assert.equal([res.status, body["code"]], [403, "WFX_PERMISSION_DENIED"], path);
  }
  const nodes = await post(base, "list_nodes", {}, GPU_ADMIN);
  assert.equal([nodes.status, nodes.body["nodes"]], [200, []], "list_nodes still answers, without this node");
  await nothingHappened();
});

test("node tags mcp - the same tools are permission errors", async () => {
  const mcp = await connectHttp(t.node.mcpUrl!, "2026-07-28", GPU_ADMIN);
  for (const [method, , args] of calls()) {
    const result = await mcp.callTool({ name: method, arguments: args });
    assert.ok(result.isError, method);
    assert.is((result.structuredContent as Record<string, unknown>)["code"], "WFX_PERMISSION_DENIED", method);
  }
  assert.equal((await mcp.callTool({ name: "list_nodes", arguments: {} })).structuredContent, { nodes: [], total_count: 0 });
  await mcp.close();
  await nothingHappened();
});

test("node tags grpc - every RPC and WatchExecution are PERMISSION_DENIED; WatchNodes shows no node it may not use", async () => {
  for (const [method, rpc, args] of calls()) {
    const request = rpc === "ExecuteWorkflow" ? { workflow_name: "one_step", input_data_json: "1" } : args;
    const error = (await unary(client, rpc, request, { token: GPU_ADMIN }).catch((e) => e)) as grpc.ServiceError;
    assert.equal([error.code, errorBodyOf(error)["code"]], [grpc.status.PERMISSION_DENIED, "WFX_PERMISSION_DENIED"], `${method}: ${error.details}`);
  }
  const watched = await collect(watch(client, executionId, 0, GPU_ADMIN));
  assert.equal([watched.messages.length, watched.error?.code], [0, grpc.status.PERMISSION_DENIED]);
  assert.equal((await unary(client, "ListNodes", {}, { token: GPU_ADMIN }))["nodes"], []);
  const nodes = (client["WatchNodes"] as (r: unknown, m: grpc.Metadata) => grpc.ClientReadableStream<Record<string, unknown>>)({ after_seq: 0 }, metadataFor(GPU_ADMIN));
  const seen: unknown[] = [];
  const watchersBefore = t.node.metrics.activeWatchers.get({ gateway: "grpc" });
  nodes.on("data", (m) => seen.push(m));
  nodes.on("error", () => {});
  // The stream replays the node list as it opens; a later call on the same connection comes back after that replay.
  await eventually(() => t.node.metrics.activeWatchers.get({ gateway: "grpc" }) > watchersBefore || undefined, 5000, "the WatchNodes stream to open");
  await unary(client, "ListNodes", {}, { token: GPU_ADMIN });
  nodes.cancel();
  assert.equal(seen, [], "WatchNodes filters as list_nodes does");
  await nothingHappened();
});

test.run();
