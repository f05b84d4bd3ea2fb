import { test } from "uvu";
import * as assert from "uvu/assert";
import { validateWorkflowFile, type WorkflowDef } from "../src/config/index.js";
import type { Principal } from "../src/gateway/auth/index.js";
import { ticketFor } from "../src/gateway/operations/queue-tickets.js";

const steps = [{ id: "a", tool: "filesystem", args: { op: "list" } }];
const token = (id: string, extra: Partial<Principal> = {}): Principal => ({ id, scopes: new Set(["execute"]), ...extra });

function problems(workflow: Record<string, unknown>): string[] {
  return validateWorkflowFile({ workflows: { w: { steps, ...workflow } } }).map((p) => `${p.code} ${p.path}`);
}

test("queue tickets - a workflow's priority is 0-9 and its concurrency key reads only the input and the token", () => {
  assert.equal(problems({ priority: 9, concurrency: { key: "${input.customer_id}-${token.tenant}", limit: 2 } }), []);
  assert.ok(problems({ priority: 10 }).some((p) => p.endsWith("workflows.w.priority")));
  assert.ok(problems({ concurrency: { key: "${input.x}" } }).some((p) => p.includes("workflows.w.concurrency.limit")));
  assert.equal(problems({ concurrency: { key: "${env.SECRET}", limit: 1 } }), ["WFX_BAD_REFERENCE workflows.w.concurrency.key"]);
});

test("queue tickets - priority: the request's, else the workflow's, else 5, never above the token's max_priority", () => {
  const workflow = { steps, priority: 7 } as unknown as WorkflowDef;
  assert.is(ticketFor("w", workflow, {}, token("t"), 2).priority, 2);
  assert.is(ticketFor("w", workflow, {}, token("t"), undefined).priority, 7);
  assert.is(ticketFor("w", undefined, {}, token("t"), undefined).priority, 5);
  assert.is(ticketFor("w", workflow, {}, token("t", { maxPriority: 3 }), 9).priority, 3);
});

test("queue tickets - the key is rendered from the input, scoped to tenant and workflow; without one it is the token, limited by max_running", () => {
  const workflow = { steps, concurrency: { key: "${input.customer_id}", limit: 2 } } as unknown as WorkflowDef;
  const mine = ticketFor("w", workflow, { customer_id: "customer-7" }, token("t1", { tenant: "acme", maxRunning: 4 }), undefined);
  const theirs = ticketFor("w", workflow, { customer_id: "customer-7" }, token("t2", { tenant: "other" }), undefined);
  assert.is(mine.shownKey, "customer-7");
  assert.not.equal(mine.key, theirs.key, "tenants never share a key");
  assert.equal(mine.limits.map((l) => [l.what, l.limit, l.kind]), [["concurrency key customer-7", 2, "concurrency"], ["token t1", 4, "max_running"]]);
  const plain = ticketFor("w", undefined, {}, token("t1", { maxRunning: 4 }), undefined);
  assert.equal([plain.shownKey, plain.limits.length], ["t1", 1]);
});

test.run();
