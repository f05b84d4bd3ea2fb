import { test } from "uvu";
import * as assert from "uvu/assert";
import { eventually } from "./helpers/engine-fixture.js";
import { startGateServer } from "./helpers/gate-server.js";
import { unary } from "./helpers/gateway-grpc.js";
import { post } from "./helpers/gateway-node.js";
import { QUEUE_TOKENS, queuedOnNode, startQueueNode, statusOf } from "./helpers/queue-node.js";
import * as grpc from "@grpc/grpc-js";

type Msg = Record<string, unknown>;

const gate = await startGateServer();
const node = await startQueueNode(["--max-queued", "12"]);
const { a, b } = QUEUE_TOKENS;

test.after(async () => {
  await node.close();
  await gate.close();
});

test("queue - at its bound (--max-queued) the queue refuses with 429 WFX_QUEUE_FULL over HTTP and gRPC", async () => {
  for (let i = 0; i < 2; i++) await post(node.base, "execute_workflow", { workflow_name: "work", input_data: { gate: gate.url, name: "full" }, execution_mode: "async" }, a);
  const queued = [];
  for (let i = 0; i < 12; i++) queued.push((await post(node.base, "execute_workflow", { workflow_name: "work", execution_mode: "async" }, b)).body);
  assert.equal(queued.map((q) => q["status"]), new Array(12).fill("queued"));
  const refused = await post(node.base, "execute_workflow", { workflow_name: "work", execution_mode: "async" }, b);
  assert.equal([refused.status, refused.body["code"]], [429, "WFX_QUEUE_FULL"]);
  assert.match(String(refused.body["message"]), "12 of 12");
  assert.match(String(refused.body["hint"]), "--max-queued");
  const viaGrpc = (await unary(node.grpc, "ExecuteWorkflow", { workflow_name: "work", execution_mode: "async" }, { token: b }).catch((e: grpc.ServiceError) => e)) as grpc.ServiceError;
  assert.is(viaGrpc.code, grpc.status.RESOURCE_EXHAUSTED);
  gate.open("full");
  for (const q of queued) {
    await eventually(async () => ((await statusOf(node.base, q["execution_id"], b))["status"] === "completed" ? true : undefined), 30_000, "queued ones to complete");
  }
});

test("queue - queued executions survive a SIGKILL of the node: after its restart every one completes, in its order", async () => {
  const held = [];
  for (let i = 0; i < 2; i++) held.push((await post(node.base, "execute_workflow", { workflow_name: "work", input_data: { gate: gate.url, name: "restart" }, execution_mode: "async" }, a)).body["execution_id"]);
  await eventually(() => (gate.arrived("restart") === 2 ? true : undefined), 10_000, "both slots to be held");
  const queued: Array<{ id: unknown; token: string }> = [];
  for (let i = 0; i < 10; i++) {
    const token = i % 2 === 0 ? a : b;
    const answer = await post(node.base, "execute_workflow", { workflow_name: "work", input_data: { tag: `q${i}` }, execution_mode: "async", priority: i === 9 ? 9 : 1 }, token);
    assert.is(answer.body["status"], "queued");
    queued.push({ id: answer.body["execution_id"], token });
  }
  await node.restart();
  // Back in line after the restart, before anything ran: each still queued, the priority-9 one first.
  const urgent = await statusOf(node.base, queued[9]!.id, b);
  assert.ok(["queued", "running", "completed"].includes(String(urgent["status"])), JSON.stringify(urgent));
  gate.open("restart");
  const orders: number[] = [];
  for (const { id, token } of queued) {
    const record = await eventually(async () => {
      const r = await statusOf(node.base, id, token);
      return ["completed", "failed", "cancelled", "timeout"].includes(String(r["status"])) ? r : undefined;
    }, 60_000, "a recovered queued execution to end");
    assert.is(record["status"], "completed", JSON.stringify(record));
    orders.push((record["result"] as Msg)["order"] as number);
  }
  // The restarted process numbers afresh: the priority-9 one started before every priority-1 one.
  assert.ok(orders.slice(0, 9).every((o) => o > orders[9]!), `orders ${orders.join(",")}`);
  for (const id of held) {
    const record = await eventually(async () => {
      const r = await statusOf(node.base, id, a);
      return r["status"] === "running" ? undefined : r;
    }, 60_000, "the held ones (adopted orphans) to end");
    assert.is(record["status"], "completed");
  }
  assert.is(await queuedOnNode(node.base), 0);
});

test.run();
