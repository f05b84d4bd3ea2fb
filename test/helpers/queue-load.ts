import * as assert from "uvu/assert";
import { callJson, connectHttp } from "./gateway-mcp.js";
import { unary, type WfxClient } from "./gateway-grpc.js";
import { post } from "./gateway-node.js";
import { eventually } from "./engine-fixture.js";
import { QUEUE_TOKENS, statusOf } from "./queue-node.js";

type Msg = Record<string, unknown>;

export interface Sent {
  id: unknown;
  token: string;
  tag: "a" | "b" | "c" | "urgent";
}

/**
 * The load, with both slots held: token a sends 198 over HTTP, then b (gRPC) and c (MCP) 50 each, all at
 * priority 0 (set, not left out), then a priority-9 one; every answer must be `queued` (none refused).
 */
export async function sendQueueLoad(base: string, grpc: WfxClient, workflow = "work"): Promise<Sent[]> {
  const { a, b, c } = QUEUE_TOKENS;
  const sent: Sent[] = [];
  for (let i = 0; i < 198; i++) {
    const answer = await post(base, "execute_workflow", { workflow_name: workflow, input_data: { tag: "a" }, execution_mode: "async", priority: 0 }, a);
    assert.equal([answer.status, answer.body["status"]], [200, "queued"], `a's ${i}: ${JSON.stringify(answer.body)}`);
    sent.push({ id: answer.body["execution_id"], token: a, tag: "a" });
  }
  const mcp = await connectHttp(`${base}/mcp`, "2026-07-28", c);
  for (let i = 0; i < 50; i++) {
    const viaGrpc = await unary(grpc, "ExecuteWorkflow", { workflow_name: workflow, input_data_json: JSON.stringify({ tag: "b" }), execution_mode: "async", priority: 0 }, { token: b });
    assert.equal([viaGrpc["status"], JSON.parse(String(viaGrpc["queue_json"]))["priority"]], ["queued", 0]);
    sent.push({ id: viaGrpc["execution_id"], token: b, tag: "b" });
    const viaMcp = await callJson(mcp, "execute_workflow", { workflow_name: workflow, input_data: { tag: "c" }, execution_mode: "async", priority: 0 });
    assert.is(viaMcp["status"], "queued");
    sent.push({ id: viaMcp["execution_id"], token: c, tag: "c" });
  }
  await mcp.close();
  const urgent = await post(base, "execute_workflow", { workflow_name: workflow, input_data: { tag: "urgent" }, execution_mode: "async", priority: 9 }, a);
  assert.equal([urgent.body["status"], (urgent.body["queue"] as Msg)["priority"]], ["queued", 9]);
  sent.push({ id: urgent.body["execution_id"], token: a, tag: "urgent" });
  return sent;
}

/** Waits for every execution to end and checks the claims from the order their steps started in. */
export async function checkQueueLoad(base: string, sent: readonly Sent[], timeoutMs = 180_000): Promise<void> {
  const orders = new Map<string, number[]>();
  for (const { id, token, tag } of sent) {
    const record = await eventually(async () => {
      const r = await statusOf(base, id, token);
      return ["completed", "failed", "timeout", "cancelled"].includes(String(r["status"])) ? r : undefined;
    }, timeoutMs, `execution ${String(id)} to end`);
    assert.is(record["status"], "completed", JSON.stringify(record));
    orders.set(tag, [...(orders.get(tag) ?? []), (record["result"] as Msg)["order"] as number]);
  }
  const all = [...orders.values()].flat();
  assert.is(new Set(all).size, sent.length, "every execution started exactly once");
  // Priority 9, sent last, starts before every priority-0 execution queued before it.
  assert.is(orders.get("urgent")![0], Math.min(...all));
  // b and c arrived behind 198 of a's: each starts its first before 2 x 3 keys of a's have started.
  for (const tag of ["b", "c"]) {
    const first = Math.min(...orders.get(tag)!);
    const aBefore = orders.get("a")!.filter((o) => o < first).length;
    assert.ok(aBefore <= 6, `${tag}'s first started after ${aBefore} of a's`);
  }
}
