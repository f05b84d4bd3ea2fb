import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import * as grpc from "@grpc/grpc-js";
import { test } from "uvu";
import * as assert from "uvu/assert";
import { ExecuteGeneratedWorkflowInput, ExecuteWorkflowInput } from "../src/gateway/operations/schemas.js";
import type { ExecutionRecord } from "../src/engine/index.js";
import { eventually } from "./helpers/engine-fixture.js";
import { startGateServer } from "./helpers/gate-server.js";
import { errorBodyOf, grpcClient, unary } from "./helpers/gateway-grpc.js";
import { connectHttp } from "./helpers/gateway-mcp.js";
import type { GenerateWorkflowRequest, GenerateWorkflowResult, WorkflowGenerator } from "../src/generator/types.js";
import { post, startTestNode, TOKENS, tokensText } from "./helpers/gateway-node.js";

/** A stand-in generator: these tests are about the key, not what a generator writes (gateway-mcp tests the real one). */
class FixedGenerator implements WorkflowGenerator {
  readonly requests: GenerateWorkflowRequest[] = [];

  async generate(request: GenerateWorkflowRequest): Promise<GenerateWorkflowResult> {
    this.requests.push(request);
    const name = request.workflow_name ?? "generated";
    const config = { tools: [{ id: "scratch", type: "filesystem" }], workflows: { [name]: { description: request.workflow_description, steps: [{ id: "look", tool: "scratch", args: { op: "list" } }] } } };
    return {
      workflow_name: name,
      workflow_config: config,
      workflow_yaml: `# generated for: ${request.workflow_description}\n`,
      validation_status: "valid",
      validation_errors: [],
      generator: "template",
      message: "generated from a fixed template (test)",
    };
  }
}

const generator = new FixedGenerator();
const t = await startTestNode({ tokensText: tokensText(), host: "127.0.0.1", maxConcurrentExecutions: 20 }, { generator });
const base = t.node.httpUrl!;
const gate = await startGateServer();
const PROTO = fileURLToPath(new URL("../../proto/wfx/v1/workflow_executor.proto", import.meta.url));

test.after(async () => {
  await t.close();
  await gate.close();
});

const run = (body: Record<string, unknown>, token: string = TOKENS.runner) => post(base, "execute_workflow", body, token);

/** The executions that ran with this input (each test uses its own), as the store has them. */
async function recordsWith(input: unknown): Promise<ExecutionRecord[]> {
  const records = await t.runtime.options.store.listRecords({ limit: 10_000 });
  return records.filter((r) => JSON.stringify(r.input) === JSON.stringify(input));
}

async function executionsWith(input: unknown): Promise<number> {
  return (await recordsWith(input)).length;
}

test("idempotency http - the same key and request answer with the execution the key started", async () => {
  const request = { workflow_name: "three_steps", input_data: { value: 7 }, idempotency_key: "http-same" };
  const first = await run(request);
  assert.equal([first.status, first.body["status"], first.body["result"]], [200, "completed", 28]);
  const again = await run({ ...request, input_data: { value: 7 } });
  assert.equal([again.status, again.body["execution_id"], again.body["status"], again.body["result"]], [200, first.body["execution_id"], "completed", 28]);
  assert.match(String(again.body["message"]), "an earlier request with this idempotency key started it");
  assert.is(await executionsWith({ value: 7 }), 1);
});

test("idempotency - a sync repeat waits for the execution's end; an async repeat answers with its current status", async () => {
  const sync = { workflow_name: "gated", input_data: { gate: gate.url, name: "sync-wait" }, idempotency_key: "http-sync-wait" };
  const first = run(sync);
  await eventually(() => gate.arrived("sync-wait") === 1 || undefined, 5000, "the first request's step to run");
  const mcp = await connectHttp(t.node.mcpUrl!, "2026-07-28", TOKENS.runner);
  try {
    let following!: () => void;
    const followed = new Promise<void>((resolve) => (following = resolve));
    // Its first progress notification says the repeat reached the node and follows the execution, held at its gate.
    const repeat = mcp.callTool({ name: "execute_workflow", arguments: sync }, { onprogress: () => following() });
    await followed;
    gate.open("sync-wait");
    const [answer, original] = await Promise.all([repeat, first]);
    const repeated = answer.structuredContent as Record<string, unknown>;
    assert.equal([repeated["status"], repeated["execution_id"], repeated["result"]], ["completed", original.body["execution_id"], { passed: "sync-wait" }]);
  } finally {
    await mcp.close();
  }
  const async = { workflow_name: "gated", input_data: { gate: gate.url, name: "async-now" }, execution_mode: "async", idempotency_key: "http-async-now" };
  const started = await run(async);
  const again = await run(async);
  gate.open("async-now");
  assert.equal([again.body["execution_id"], again.body["status"]], [started.body["execution_id"], "running"]);
});

test("idempotency http - the same key with a different request is refused with 409 WFX_IDEMPOTENCY_KEY_REUSED", async () => {
  const original = { workflow_name: "one_step", input_data: { n: 1 }, execution_mode: "async", idempotency_key: "http-differs" };
  const first = await run(original);
  const variants: Record<string, unknown>[] = [
    { ...original, input_data: { n: 2 } },
    { ...original, workflow_name: "three_steps" },
    { ...original, execution_mode: "sync" },
    { ...original, timeout: 30 },
    { ...original, config_override: { workflows: { one_step: { timeout: 5 } } } },
    { ...original, workflow_name: undefined, workflow_yaml: "workflows: {one_step: {steps: [{tool: filesystem, args: {op: list}}]}}" },
  ];
  for (const variant of variants) {
    const refused = await run(variant);
    assert.is(refused.status, 409, JSON.stringify(variant));
    assert.is(refused.body["code"], "WFX_IDEMPOTENCY_KEY_REUSED");
    assert.match(String(refused.body["message"]), String(first.body["execution_id"]));
    assert.match(String(refused.body["hint"]), "new key");
  }
});

test("idempotency http - keys are per token: another token's same key starts its own execution and learns nothing", async () => {
  const request = { workflow_name: "one_step", input_data: "scoped", execution_mode: "async", idempotency_key: "http-shared-key" };
  const mine = await run(request, TOKENS.runner);
  const theirs = await run({ ...request, input_data: "probe" }, TOKENS.admin);
  assert.is(theirs.status, 200, "a different request under another token is not refused");
  assert.is.not(theirs.body["execution_id"], mine.body["execution_id"]);
  const theirsAgain = await run({ ...request, input_data: "probe" }, TOKENS.admin);
  assert.is(theirsAgain.body["execution_id"], theirs.body["execution_id"]);
});

test("idempotency http - ten concurrent requests with one key start one execution", async () => {
  const request = { workflow_name: "slow", input_data: { ms: 200, tag: "concurrent" }, idempotency_key: "http-concurrent" };
  const answers = await Promise.all(Array.from({ length: 10 }, () => run(request)));
  assert.equal(answers.map((a) => a.status), Array(10).fill(200));
  assert.is(new Set(answers.map((a) => a.body["execution_id"])).size, 1);
  assert.ok(answers.every((a) => a.body["status"] === "completed"), "every sync caller got the end");
  assert.is(await executionsWith({ ms: 200, tag: "concurrent" }), 1);
});

test("idempotency http - a request refused before it started (queue full) leaves its key free for the retry", async () => {
  const small = await startTestNode({ maxConcurrentExecutions: 1, maxQueued: 0 });
  try {
    const blocker = await post(small.node.httpUrl!, "execute_workflow", { workflow_name: "slow", input_data: { ms: 60_000 }, execution_mode: "async" });
    const request = { workflow_name: "one_step", input_data: "after-busy", idempotency_key: "busy-key" };
    assert.is((await post(small.node.httpUrl!, "execute_workflow", request)).body["code"], "WFX_QUEUE_FULL");
    await post(small.node.httpUrl!, "cancel_execution", { execution_id: blocker.body["execution_id"] });
    const retried = await post(small.node.httpUrl!, "execute_workflow", request);
    assert.equal([retried.status, retried.body["status"], retried.body["result"]], [200, "completed", "after-busy"]);
  } finally {
    await small.close();
  }
});

test("idempotency http - an expired key starts a new execution", async () => {
  const short = await startTestNode({ idempotencyWindowMs: 300 });
  try {
    const request = { workflow_name: "one_step", input_data: "expiring", idempotency_key: "expiring-key" };
    const first = await post(short.node.httpUrl!, "execute_workflow", request);
    assert.is((await post(short.node.httpUrl!, "execute_workflow", request)).body["execution_id"], first.body["execution_id"]);
    // Refused while the key holds; the first answer that is not a refusal comes once it has expired.
    const changed = { ...request, input_data: "changed after expiry" };
    const later = await eventually(async () => {
      const answer = await post(short.node.httpUrl!, "execute_workflow", changed);
      return answer.status === 409 ? undefined : answer;
    }, 5000, "the key to expire");
    assert.is(later.status, 200, "an expired key may start any request");
    assert.is.not(later.body["execution_id"], first.body["execution_id"]);
  } finally {
    await short.close();
  }
});

test("idempotency http - a sync execution started with a key goes on when its caller goes away, and the caller comes back for it", async () => {
  const request = { workflow_name: "gated", input_data: { gate: gate.url, name: "come-back" }, idempotency_key: "http-come-back" };
  // A twin without a key goes away at the same moment: once it is cancelled, the node has seen its callers leave.
  const twin = { workflow_name: "gated", input_data: { gate: gate.url, name: "come-back-twin" } };
  const gone = new AbortController();
  const send = (body: unknown) => fetch(`${base}/execute_workflow`, { method: "POST", headers: { "content-type": "application/json", authorization: `Bearer ${TOKENS.runner}` }, body: JSON.stringify(body), signal: gone.signal }).catch(() => undefined);
  const callers = [send(request), send(twin)];
  await eventually(() => (gate.arrived("come-back") === 1 && gate.arrived("come-back-twin") === 1) || undefined, 5000, "both steps to run");
  gone.abort();
  await Promise.all(callers);
  await eventually(async () => (await recordsWith(twin.input_data))[0]?.status === "cancelled" || undefined, 5000, "the twin cancelled with its caller gone");
  assert.equal((await recordsWith(request.input_data)).map((r) => r.status), ["running"], "the keyed execution goes on");
  gate.open("come-back");
  const back = await run(request);
  assert.equal([back.body["status"], back.body["result"]], ["completed", { passed: "come-back" }]);
  assert.is(await executionsWith(request.input_data), 1);
});

test("idempotency generated - a repeat answers with the same execution and the generation that started it", async () => {
  const request = { workflow_description: "list my files", workflow_name: "lister", idempotency_key: "gen-key" };
  const first = await post(base, "execute_generated_workflow", request, TOKENS.admin);
  assert.is(first.status, 200, JSON.stringify(first.body));
  const again = await post(base, "execute_generated_workflow", request, TOKENS.admin);
  assert.equal([again.body["execution_id"], again.body["generation"]], [first.body["execution_id"], first.body["generation"]]);
  const refused = await post(base, "execute_generated_workflow", { ...request, complexity: "simple" }, TOKENS.admin);
  assert.equal([refused.status, refused.body["code"]], [409, "WFX_IDEMPOTENCY_KEY_REUSED"]);
  const invalid = await run({ workflow_name: "one_step", idempotency_key: "x".repeat(201) });
  assert.equal([invalid.status, invalid.body["code"]], [400, "WFX_INVALID_ARGUMENTS"]);
});

test("idempotency mcp - the same key answers with the same execution; a different request is a tool error with the code", async () => {
  const c = await connectHttp(t.node.mcpUrl!, "2026-07-28", TOKENS.runner);
  try {
    const call = (args: Record<string, unknown>) => c.callTool({ name: "execute_workflow", arguments: args });
    const request = { workflow_name: "one_step", input_data: "over mcp", execution_mode: "async", idempotency_key: "mcp-key" };
    const first = (await call(request)).structuredContent as Record<string, unknown>;
    const again = (await call(request)).structuredContent as Record<string, unknown>;
    assert.is(again["execution_id"], first["execution_id"]);
    const refused = await call({ ...request, input_data: "something else" });
    assert.is(refused.isError, true);
    assert.match((refused.content[0] as { text: string }).text, "WFX_IDEMPOTENCY_KEY_REUSED");
    const http = await run(request);
    assert.is(http.body["execution_id"], first["execution_id"], "the key is the token's, whichever gateway it comes through");
  } finally {
    await c.close();
  }
});

test("idempotency grpc - idempotency_key is a field of both execute requests; a reused key is ALREADY_EXISTS", async () => {
  const proto = readFileSync(PROTO, "utf8");
  for (const [message, schema] of [["ExecuteWorkflowRequest", ExecuteWorkflowInput], ["ExecuteGeneratedWorkflowRequest", ExecuteGeneratedWorkflowInput]] as const) {
    const body = new RegExp(`message ${message} \\{([^}]*)\\}`).exec(proto)![1]!;
    const protoFields = [...body.matchAll(/^\s*(?:repeated |optional )?\w+ (\w+) = \d+;/gm)].map((m) => m[1]!.replace(/_json$/, "")).sort();
    assert.equal(protoFields, Object.keys(schema.shape).sort(), `${message} has a field for every argument`);
  }
  const client = grpcClient(t.node.grpcAddress!);
  try {
    const request = { workflow_name: "one_step", input_data_json: '"over grpc"', execution_mode: "async", idempotency_key: "grpc-key" };
    const first = await unary(client, "ExecuteWorkflow", request, { token: TOKENS.runner });
    const again = await unary(client, "ExecuteWorkflow", request, { token: TOKENS.runner });
    assert.is(again["execution_id"], first["execution_id"]);
    const error = (await unary(client, "ExecuteWorkflow", { ...request, input_data_json: '"other"' }, { token: TOKENS.runner }).catch((e) => e)) as grpc.ServiceError;
    assert.is(error.code, grpc.status.ALREADY_EXISTS);
    assert.is(errorBodyOf(error)["code"], "WFX_IDEMPOTENCY_KEY_REUSED");
  } finally {
    client.close();
  }
});

test.run();
