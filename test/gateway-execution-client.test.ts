import { test } from "uvu";
import * as assert from "uvu/assert";
import type { ExecutionClient } from "../src/engine/index.js";
import { LOCAL_PRINCIPAL } from "../src/gateway/auth/index.js";
import { memoryRuntime } from "./helpers/engine-fixture.js";
import { startTestNode } from "./helpers/gateway-node.js";

const runtime = memoryRuntime();
const calls: string[] = [];
/** A client in front of the runtime, as a cluster's would be: the gateways must reach executions through it alone. */
const client: ExecutionClient = {
  start: (request) => (calls.push("start"), runtime.start(request)),
  status: (id) => (calls.push("status"), runtime.status(id)),
  cancel: (id, reason) => (calls.push("cancel"), runtime.cancel(id, reason)),
  watch: (id, afterSeq, listener, signal) => (calls.push("watch"), runtime.watch(id, afterSeq, listener, signal)),
  list: (query) => (calls.push("list"), runtime.list(query)),
  events: (id, afterSeq) => (calls.push("events"), runtime.events(id, afterSeq)),
  persisted: () => (calls.push("persisted"), runtime.persisted()),
};
const t = await startTestNode({ http: false, grpc: false }, { runtime, client });
const ctx = { principal: LOCAL_PRINCIPAL, gateway: "test" };

test.after(() => t.close());

test("gateway - starts, reads, watches and cancels executions through the ExecutionClient it is given", async () => {
  const ran = await t.node.operations.call("execute_workflow", { workflow_name: "one_step", input_data: { a: 1 } }, ctx);
  assert.is(ran["status"], "completed");
  const id = String(ran["execution_id"]);
  await t.node.operations.call("check_execution_status", { execution_id: id }, ctx);
  const watched = await t.node.operations.call("watch_execution", { execution_id: id, after_seq: 0 }, ctx);
  assert.is(watched["done"], true);
  const slow = await t.node.operations.call("execute_workflow", { workflow_name: "slow", input_data: { ms: 60_000 }, execution_mode: "async" }, ctx);
  // Nothing new after seq 1000: the call waits for live events, following the execution through the client.
  const waited = await t.node.operations.call("watch_execution", { execution_id: String(slow["execution_id"]), after_seq: 1000, wait: 0.05 }, ctx);
  assert.is(waited["done"], false);
  const cancelled = await t.node.operations.call("cancel_execution", { execution_id: String(slow["execution_id"]) }, ctx);
  assert.is(cancelled["cancelled"], true);
  assert.equal([...new Set(calls)].sort(), ["cancel", "events", "persisted", "start", "status", "watch"]);
});

test.run();
