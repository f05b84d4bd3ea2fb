import { test } from "uvu";
import * as assert from "uvu/assert";
import { eventually } from "./helpers/engine-fixture.js";
import { startGateServer } from "./helpers/gate-server.js";
import { checkQueueLoad, sendQueueLoad } from "./helpers/queue-load.js";
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
  const sent = await sendQueueLoad(node.base, node.grpc);
  // Behind the priority-9 one, and round-robin gives b and c a turn in the same round: 4th.
  const first = (await statusOf(node.base, sent[0]!.id, a))["queue"] as Msg;
  assert.equal([first["priority"], first["key"], first["position"], first["reason"]], [0, "a", 4, "node at capacity 2/2"]);
  assert.is(await queuedOnNode(node.base), 299);
  gate.open("bulk");
  await checkQueueLoad(node.base, sent);
  for (const id of held) assert.is((await finalOf(id, a))["status"], "completed");
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
  // Its events: queued (where and why), then the usual start, numbered on from the queued one.
  const events = (await post(node.base, "watch_execution", { execution_id: answer.body["execution_id"], after_seq: 0, wait: 1 }, c)).body["events"] as Msg[];
  assert.equal(events.slice(0, 2).map((e) => [e["seq"], e["type"]]), [[1, "execution.queued"], [2, "execution.started"]]);
  // Sent at once with the one that timed out: first or second in line, whichever arrived first.
  assert.ok([1, 2].includes((events[0]!["data"] as Msg)["position"] as number));
  assert.is((events[0]!["data"] as Msg)["reason"], "node at capacity 2/2");
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
