import { test } from "uvu";
import * as assert from "uvu/assert";
import { eventually } from "./helpers/engine-fixture.js";
import { startGateServer } from "./helpers/gate-server.js";
import { callJson, connectHttp } from "./helpers/gateway-mcp.js";
import { unary } from "./helpers/gateway-grpc.js";
import { post } from "./helpers/gateway-node.js";
import { QUEUE_TOKENS, queuedOnNode, startQueueNode, statusOf } from "./helpers/queue-node.js";

type Msg = Record<string, unknown>;

const gate = await startGateServer();
const node = await startQueueNode(["--max-queued", "400"]);
const { a, b, c } = QUEUE_TOKENS;

test.after(async () => {
  await node.close();
  await gate.close();
});

/** Two async executions that hold both slots until the test opens `name`. */
async function holdSlots(name: string): Promise<unknown[]> {
  const held = [];
  for (let i = 0; i < 2; i++) {
    const answer = await post(node.base, "execute_workflow", { workflow_name: "work", input_data: { gate: gate.url, name }, execution_mode: "async" }, a);
    assert.is(answer.body["status"], "running");
    held.push(answer.body["execution_id"]);
  }
  await eventually(() => (gate.arrived(name) === 2 ? true : undefined), 10_000, "both slots to be held");
  return held;
}

async function finalOf(id: unknown, token: string): Promise<Msg> {
  return eventually(async () => {
    const record = await statusOf(node.base, id, token);
    return ["completed", "failed", "timeout", "cancelled"].includes(String(record["status"])) ? record : undefined;
  }, 120_000, `execution ${String(id)} to end`);
}

test("queue - 300 executions from three tokens on a node of capacity 2: none refused or lost, later tokens not starved, priority 9 sent last starts first", async () => {
  const held = await holdSlots("bulk");
  const ids: Array<{ id: unknown; token: string; tag: string }> = [];
  // Token a (HTTP) sends 200 first, at priority 0.
  for (let i = 0; i < 198; i++) {
    const answer = await post(node.base, "execute_workflow", { workflow_name: "work", input_data: { tag: "a" }, execution_mode: "async", priority: 0 }, a);
    assert.equal([answer.status, answer.body["status"]], [200, "queued"], `a's ${i}: ${JSON.stringify(answer.body)}`);
    ids.push({ id: answer.body["execution_id"], token: a, tag: "a" });
  }
  const seen = (await statusOf(node.base, ids[0]!.id, a))["queue"] as Msg;
  assert.equal([seen["priority"], seen["key"], seen["position"]], [0, "a", 1]);
  assert.match(String(seen["reason"]), "node at capacity 2/2");
  // Then b over gRPC and c over MCP, 50 each, at priority 0 too (0 set explicitly is not "unset").
  const mcp = await connectHttp(`${node.base}/mcp`, "2026-07-28", c);
  for (let i = 0; i < 50; i++) {
    const viaGrpc = await unary(node.grpc, "ExecuteWorkflow", { workflow_name: "work", input_data_json: JSON.stringify({ tag: "b" }), execution_mode: "async", priority: 0 }, { token: b });
    assert.is(viaGrpc["status"], "queued");
    assert.equal(JSON.parse(String(viaGrpc["queue_json"]))["priority"], 0);
    ids.push({ id: viaGrpc["execution_id"], token: b, tag: "b" });
    const viaMcp = await callJson(mcp, "execute_workflow", { workflow_name: "work", input_data: { tag: "c" }, execution_mode: "async", priority: 0 });
    assert.is(viaMcp["status"], "queued");
    ids.push({ id: viaMcp["execution_id"], token: c, tag: "c" });
  }
  await mcp.close();
  const urgent = await post(node.base, "execute_workflow", { workflow_name: "work", input_data: { tag: "urgent" }, execution_mode: "async", priority: 9 }, a);
  assert.equal([urgent.body["status"], (urgent.body["queue"] as Msg)["position"]], ["queued", 1]);
  assert.is(await queuedOnNode(node.base), 299);
  gate.open("bulk");
  const orders = new Map<string, number[]>();
  for (const { id, token, tag } of [...ids, { id: urgent.body["execution_id"], token: a, tag: "urgent" }]) {
    const record = await finalOf(id, token);
    assert.is(record["status"], "completed", JSON.stringify(record));
    const order = (record["result"] as Msg)["order"] as number;
    orders.set(tag, [...(orders.get(tag) ?? []), order]);
  }
  for (const id of held) assert.is((await finalOf(id, a))["status"], "completed");
  const all = [...orders.values()].flat();
  assert.is(new Set(all).size, 299, "every execution started exactly once");
  const queuedStarts = Math.min(...all);
  // Priority 9, sent last, starts before every priority-0 execution that was queued before it.
  assert.is(orders.get("urgent")![0], queuedStarts);
  // b and c arrived behind 198 of a's: each starts its first before 2 x 3 keys of a's have started.
  for (const tag of ["b", "c"]) {
    const first = Math.min(...orders.get(tag)!);
    const aBefore = orders.get("a")!.filter((o) => o < first).length;
    assert.ok(aBefore <= 6, `${tag}'s first started after ${aBefore} of a's`);
  }
  assert.is(await queuedOnNode(node.base), 0);
});

test("queue - cancel takes a queued execution out of line: it ends cancelled and never starts", async () => {
  await holdSlots("cancel");
  const queued = await post(node.base, "execute_workflow", { workflow_name: "work", input_data: { tag: "x" }, execution_mode: "async" }, b);
  assert.is(queued.body["status"], "queued");
  const cancelled = await post(node.base, "cancel_execution", { execution_id: queued.body["execution_id"] }, b);
  assert.equal([cancelled.status, cancelled.body["cancelled"]], [200, true]);
  const record = await statusOf(node.base, queued.body["execution_id"], b);
  assert.is(record["status"], "cancelled");
  assert.is(record["queue"], undefined);
  const events = (await post(node.base, "watch_execution", { execution_id: queued.body["execution_id"], after_seq: 0, wait: 1 }, b)).body["events"] as Msg[];
  assert.equal(events.map((e) => e["type"]), ["execution.queued", "execution.cancelled"]);
  gate.open("cancel");
  assert.is(await queuedOnNode(node.base), 0);
});

test("queue - a sync caller waits in the queue and gets its result; one whose timeout passes while queued gets timeout", async () => {
  await holdSlots("sync");
  const late = post(node.base, "execute_workflow", { workflow_name: "work", input_data: { tag: "late" }, timeout: 0.3 }, b);
  const waiting = post(node.base, "execute_workflow", { workflow_name: "work", input_data: { tag: "sync" }, timeout: 60 }, c);
  const timedOut = await late;
  assert.equal([timedOut.status, timedOut.body["status"]], [200, "timeout"]);
  assert.match(String((timedOut.body["error"] as Msg)["message"]), "timed out");
  await eventually(async () => ((await queuedOnNode(node.base)) === 1 ? true : undefined), 5000, "the timed-out one to leave the queue");
  gate.open("sync");
  const answer = await waiting;
  assert.equal([answer.status, answer.body["status"], (answer.body["result"] as Msg)["tag"]], [200, "completed", "sync"]);
});

test("queue - the workflow's priority is the default, a token's max_priority caps what it asks, a concurrency key holds its customer", async () => {
  await holdSlots("keys");
  const byDefault = await post(node.base, "execute_workflow", { workflow_name: "urgent", execution_mode: "async" }, b);
  assert.is((byDefault.body["queue"] as Msg)["priority"], 8);
  const capped = await post(node.base, "execute_workflow", { workflow_name: "work", execution_mode: "async", priority: 9 }, QUEUE_TOKENS.capped);
  assert.is((capped.body["queue"] as Msg)["priority"], 3);
  gate.open("keys");
  for (const [id, token] of [[byDefault.body["execution_id"], b], [capped.body["execution_id"], QUEUE_TOKENS.capped]] as const) assert.is((await finalOf(id, token))["status"], "completed");
  // One running per customer: the second of customer 7 waits for its key, not for the node.
  const first = await post(node.base, "execute_workflow", { workflow_name: "per_customer", input_data: { customer_id: "customer-7", gate: gate.url, name: "customer" }, execution_mode: "async" }, c);
  assert.is(first.body["status"], "running");
  const second = await post(node.base, "execute_workflow", { workflow_name: "per_customer", input_data: { customer_id: "customer-7" }, execution_mode: "async" }, c);
  assert.equal([second.body["status"], (second.body["queue"] as Msg)["key"], (second.body["queue"] as Msg)["reason"]], ["queued", "customer-7", "concurrency key customer-7 at its limit 1"]);
  const other = await post(node.base, "execute_workflow", { workflow_name: "per_customer", input_data: { customer_id: "customer-8" }, execution_mode: "sync" }, c);
  assert.is(other.body["status"], "completed");
  gate.open("customer");
  assert.is((await finalOf(second.body["execution_id"], c))["status"], "completed");
});

test.run();
