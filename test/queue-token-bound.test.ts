import { test } from "uvu";
import * as assert from "uvu/assert";
import * as grpc from "@grpc/grpc-js";
import { eventually } from "./helpers/engine-fixture.js";
import { startGateServer } from "./helpers/gate-server.js";
import { unary } from "./helpers/gateway-grpc.js";
import { post } from "./helpers/gateway-node.js";
import { QUEUE_TOKENS, queuedOnNode, startQueueNode, statusOf } from "./helpers/queue-node.js";

const gate = await startGateServer();
const node = await startQueueNode();
const { a, b, bounded } = QUEUE_TOKENS;

test.after(async () => {
  await node.close();
  await gate.close();
});

/** Two async executions of token a that hold both slots until the test opens `name`. */
async function holdSlots(name: string): Promise<void> {
  for (let i = 0; i < 2; i++) await post(node.base, "execute_workflow", { workflow_name: "work", input_data: { gate: gate.url, name }, execution_mode: "async" }, a);
  await eventually(() => (gate.arrived(name) >= 2 ? true : undefined), 10_000, "both slots to be held");
}

function queue(token: string, tag: string) {
  return post(node.base, "execute_workflow", { workflow_name: "work", input_data: { tag }, execution_mode: "async" }, token);
}

async function completed(id: unknown, token: string): Promise<void> {
  await eventually(async () => ((await statusOf(node.base, id, token))["status"] === "completed" ? true : undefined), 60_000, `execution ${String(id)} to complete`);
}

test("queue - a token at its max_queued is refused 429 WFX_TOKEN_QUEUE_FULL (HTTP and gRPC) while other tokens still queue; a cancel or a start frees its place", async () => {
  await holdSlots("bound");
  const waiting = [await queue(bounded, "1"), await queue(bounded, "2")];
  assert.equal(waiting.map((w) => w.body["status"]), ["queued", "queued"]);
  const refused = await queue(bounded, "3");
  assert.equal([refused.status, refused.body["code"]], [429, "WFX_TOKEN_QUEUE_FULL"]);
  assert.match(String(refused.body["message"]), "token bounded is at its max_queued 2: no more of its executions may wait for a slot");
  assert.match(String(refused.body["hint"]), "raise max_queued in the token's entry");
  const viaGrpc = (await unary(node.grpc, "ExecuteWorkflow", { workflow_name: "work", execution_mode: "async" }, { token: bounded }).catch((e: grpc.ServiceError) => e)) as grpc.ServiceError;
  assert.is(viaGrpc.code, grpc.status.RESOURCE_EXHAUSTED);
  assert.match(viaGrpc.details, "max_queued 2");
  // Another token's executions are not counted against it: the node's queue is far from its own bound.
  const other = await queue(b, "other");
  assert.is(other.body["status"], "queued");
  // Cancelling one of its queued executions gives its place back.
  const cancelled = await post(node.base, "cancel_execution", { execution_id: waiting[0]!.body["execution_id"] }, bounded);
  assert.is(cancelled.body["cancelled"], true);
  const again = await queue(bounded, "4");
  assert.is(again.body["status"], "queued");
  assert.is((await queue(bounded, "5")).status, 429);
  // Once they start they wait no more: the token may queue again.
  gate.open("bound");
  for (const { body } of [waiting[1]!, again]) await completed(body["execution_id"], bounded);
  await completed(other.body["execution_id"], b);
  await holdSlots("bound-after");
  assert.equal([(await queue(bounded, "6")).body["status"], (await queue(bounded, "7")).body["status"], (await queue(bounded, "8")).status], ["queued", "queued", 429]);
  gate.open("bound-after");
  await eventually(async () => ((await queuedOnNode(node.base)) === 0 ? true : undefined), 60_000, "the queue to drain");
});

test("queue - after a SIGKILL and restart the token's queued executions still count against its max_queued", async () => {
  await holdSlots("bound-restart");
  // Ahead of the token's two in line: once the slots free after the restart, these take both and hold them at the gate.
  const ahead = [];
  for (let i = 0; i < 2; i++) ahead.push(await post(node.base, "execute_workflow", { workflow_name: "work", input_data: { gate: gate.url, name: "ahead" }, execution_mode: "async", priority: 9 }, a));
  const waiting = [await queue(bounded, "r1"), await queue(bounded, "r2")];
  assert.equal([...ahead, ...waiting].map((w) => w.body["status"]), ["queued", "queued", "queued", "queued"]);
  await node.restart();
  // The two that ran before the SIGKILL are resumed and keep both slots (their steps wait at the gate again).
  await eventually(() => (gate.arrived("bound-restart") === 4 ? true : undefined), 10_000, "the two resumed executions back at the gate");
  for (const { body } of ahead) assert.is((await statusOf(node.base, body["execution_id"], a))["status"], "queued");
  for (const { body } of waiting) assert.is((await statusOf(node.base, body["execution_id"], bounded))["status"], "queued");
  const refused = await queue(bounded, "r3");
  assert.equal([refused.status, refused.body["code"]], [429, "WFX_TOKEN_QUEUE_FULL"]);
  gate.open("bound-restart");
  await eventually(() => (gate.arrived("ahead") === 2 ? true : undefined), 10_000, "the two ahead to take both slots once the resumed ones end");
  for (const { body } of waiting) assert.is((await statusOf(node.base, body["execution_id"], bounded))["status"], "queued");
  gate.open("ahead");
  for (const { body } of waiting) await completed(body["execution_id"], bounded);
});

test.run();
