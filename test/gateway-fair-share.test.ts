import * as grpc from "@grpc/grpc-js";
import { test } from "uvu";
import * as assert from "uvu/assert";
import { eventually } from "./helpers/engine-fixture.js";
import { FAIR_TOKENS, openGrpcWatch, openSse, startFairShareNode } from "./helpers/fair-share-node.js";
import { post } from "./helpers/gateway-node.js";
import { grpcOutcome } from "./helpers/gateway-raw.js";

type Msg = Record<string, unknown>;

const { base, client, close } = await startFairShareNode();
const { runner, other } = FAIR_TOKENS;

test.after(close);

/** An async `slow` execution that waits a minute (its own timeout: the node's default is 1 s). */
async function startSlow(token: string): ReturnType<typeof post> {
  return post(base, "execute_workflow", { workflow_name: "slow", input_data: { ms: 60_000 }, execution_mode: "async", timeout: 120 }, token);
}

async function cancel(ids: unknown[], token: string): Promise<void> {
  for (const id of ids) await post(base, "cancel_execution", { execution_id: id }, token);
}

async function health(): Promise<number> {
  return (await fetch(`${base}/health`)).status;
}

test("fair share - a token with max_running 2 gets its third concurrent execution queued (HTTP and gRPC) while another token still runs", async () => {
  const first = await startSlow(runner);
  const second = await startSlow(runner);
  assert.equal([first.status, second.status], [200, 200]);
  const third = await startSlow(runner);
  assert.equal([third.status, third.body["status"]], [200, "queued"]);
  assert.equal((third.body["queue"] as Msg)["reason"], "token runner at max_running 2");
  const viaGrpc = await grpcOutcome(client, "ExecuteWorkflow", { workflow_name: "slow", input_data_json: "{\"ms\":60000}", execution_mode: "async", timeout: 120 }, runner);
  assert.equal([viaGrpc.code, viaGrpc.message?.["status"]], [grpc.status.OK, "queued"]);
  // The node has 8 slots: another token still starts, and runs, its own.
  const theirs = await startSlow(other);
  assert.equal([theirs.status, theirs.body["status"]], [200, "running"]);
  const sync = await post(base, "execute_workflow", { workflow_name: "one_step", input_data: 7 }, other);
  assert.equal([sync.status, sync.body["status"], sync.body["result"]], [200, "completed", 7]);
  // One of runner's ends: its share frees, and the first queued one starts.
  await cancel([first.body["execution_id"]], runner);
  await eventually(async () => {
    const answer = await post(base, "check_execution_status", { execution_id: third.body["execution_id"] }, runner);
    return answer.body["status"] === "running" ? answer : undefined;
  }, 5000, "runner's queued execution to start");
  await cancel([second.body["execution_id"], third.body["execution_id"], viaGrpc.message?.["execution_id"]], runner);
  await cancel([theirs.body["execution_id"]], other);
});

test("fair share - max_watchers refuses the 4th watch of a token over SSE, gRPC and watch_execution; one closes, another is accepted; the node caps all watches", async () => {
  const slow = await startSlow(runner);
  const id = slow.body["execution_id"];
  const events = `${base}/executions/${String(id)}/events`;
  const open = [await openSse(events, runner), await openSse(events, runner), await openSse(events, runner)];
  assert.equal(open.map((s) => s.status), [200, 200, 200]);
  const sse = await openSse(events, runner);
  assert.equal([sse.status, sse.body?.["code"]], [429, "WFX_TOKEN_WATCHERS_FULL"]);
  assert.match(String(sse.body?.["message"]), "token 'runner' already holds 3 open watches");
  assert.match(String(sse.body?.["hint"]), "max_watchers");
  const nodes = await openSse(`${base}/nodes/events`, runner);
  assert.equal([nodes.status, nodes.body?.["code"]], [429, "WFX_TOKEN_WATCHERS_FULL"]);
  for (const [rpc, request] of [["WatchExecution", { execution_id: id, after_seq: 0 }], ["WatchNodes", { after_seq: 0 }]] as const) {
    const refused = await openGrpcWatch(client, rpc, request, runner);
    assert.equal([rpc, refused.accepted, refused.code, refused.body?.["code"]], [rpc, false, grpc.status.RESOURCE_EXHAUSTED, "WFX_TOKEN_WATCHERS_FULL"]);
  }
  const poll = await post(base, "watch_execution", { execution_id: id, after_seq: 1000, wait: 1 }, runner);
  assert.equal([poll.status, poll.body["code"]], [429, "WFX_TOKEN_WATCHERS_FULL"]);
  // One closes: a gRPC watch of the same token is accepted once the node has seen it go.
  open.shift()!.close();
  const watch = await eventually(async () => {
    const attempt = await openGrpcWatch(client, "WatchExecution", { execution_id: id, after_seq: 0 }, runner);
    return attempt.accepted ? attempt : undefined;
  }, 5000, "a closed SSE stream to give its watch back");
  // The node holds 6 in all: runner's 3 and 3 of the other token's; the next is refused for the node, not the token.
  // The other token watches its own execution (another token's answers as not found: reads are per tenant).
  const mine = await startSlow(other);
  const theirs = [await openSse(`${base}/nodes/events`, other), await openSse(`${base}/nodes/events`, other), await openSse(`${base}/executions/${String(mine.body["execution_id"])}/events`, other)];
  assert.equal(theirs.map((s) => s.status), [200, 200, 200]);
  const full = await openSse(`${base}/nodes/events`, other);
  assert.equal([full.status, full.body?.["code"]], [503, "WFX_NODE_WATCHERS_FULL"]);
  assert.match(String(full.body?.["hint"]), "--max-watchers");
  const fullGrpc = await openGrpcWatch(client, "WatchNodes", { after_seq: 0 }, other);
  assert.equal([fullGrpc.code, fullGrpc.body?.["code"]], [grpc.status.RESOURCE_EXHAUSTED, "WFX_NODE_WATCHERS_FULL"]);
  assert.is(await health(), 200);
  for (const stream of [...open, ...theirs, watch]) stream.close();
  await cancel([id], runner);
  await cancel([mine.body["execution_id"]], other);
  // Every watch given back: the other token watches again.
  const after = await eventually(async () => {
    const attempt = await openSse(`${base}/nodes/events`, other);
    return attempt.status === 200 ? attempt : undefined;
  }, 5000, "the watches to be given back");
  after.close();
});

test("bounded work - nested for_each over sub-workflows past --max-steps-per-execution fails WFX_STEP_LIMIT, and the node stays healthy", async () => {
  const range = (n: number) => Array.from({ length: n }, (_, i) => i);
  const over = await post(base, "execute_workflow", { workflow_name: "nested_each", input_data: { outer: range(100), inner: range(100) }, timeout: 60 }, other);
  assert.equal([over.status, over.body["status"], (over.body["error"] as Msg)["code"]], [200, "failed", "WFX_STEP_LIMIT"]);
  assert.match(String((over.body["error"] as Msg)["message"]), "one execution may start at most 50 (for_each iterations and sub-workflow steps included; the node's --max-steps-per-execution)");
  assert.match(String((over.body["error"] as Msg)["hint"]), "raise --max-steps-per-execution");
  assert.is(await health(), 200);
  const within = await post(base, "execute_workflow", { workflow_name: "nested_each", input_data: { outer: range(5), inner: range(5) }, timeout: 60 }, other);
  assert.equal([within.body["status"], (within.body["result"] as unknown[]).length], ["completed", 5]);
});

test("bounded work - a workflow without a timeout, run without one, ends at the node's --default-timeout", async () => {
  const answer = await post(base, "execute_workflow", { workflow_name: "slow", input_data: { ms: 30_000 } }, other);
  assert.equal([answer.body["status"], (answer.body["error"] as Msg)["code"]], ["timeout", "WFX_EXECUTION_TIMEOUT"]);
  assert.match(String((answer.body["error"] as Msg)["message"]), "execution timed out after 1s");
  assert.is(await health(), 200);
});

test.run();
