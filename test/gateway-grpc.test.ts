import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import * as grpc from "@grpc/grpc-js";
import { test } from "uvu";
import * as assert from "uvu/assert";
import { EmbeddedExecutionStore, Runtime } from "../src/engine/index.js";
import { eventually } from "./helpers/engine-fixture.js";
import { collect, errorBodyOf, grpcClient, healthClient, metadataFor, unary, watch, type WfxClient } from "./helpers/gateway-grpc.js";
import { startTestNode } from "./helpers/gateway-node.js";
import { startModelServer } from "./helpers/model-server.js";
import { assertReportsGenerated, RecordingGenerator, REPORTS, REPORTS_RESULT } from "./helpers/template-generator.js";

const dataDir = mkdtempSync(join(tmpdir(), "wfx-gw-grpc-"));
// An on-disk store, so events a slow watcher has not read yet live on disk and not in this process's heap; generated
// agents reach the loopback echo model.
const model = await startModelServer();
const runtime = new Runtime({ store: await EmbeddedExecutionStore.open({ dataDir }), nodeId: "test-node", dataDir, env: model.env });
const t = await startTestNode({ maxConcurrentExecutions: 6, tags: ["eu"], grpcMaxMessageBytes: 256 * 1024 }, { runtime, generator: new RecordingGenerator() });
const client: WfxClient = grpcClient(t.node.grpcAddress!);

test.after(async () => {
  client.close();
  await t.close();
  await model.close();
  rmSync(dataDir, { recursive: true, force: true });
});

const TERMINAL = new Set(["execution.completed", "execution.failed", "execution.timeout", "execution.cancelled"]);

test("grpc - every unary method answers in the source document's field names", async () => {
  const run = await unary(client, "ExecuteWorkflow", { workflow_name: "three_steps", input_data_json: '{"value": 3}' });
  assert.equal([run["status"], JSON.parse(run["result_json"] as string), run["execution_mode"]], ["completed", 12, "sync"]);
  const id = run["execution_id"] as string;
  assert.is((run["steps"] as unknown[]).length, 3);
  assert.is((await unary(client, "CheckExecutionStatus", { execution_id: id }))["status"], "completed");
  assert.is((await unary(client, "CheckExecutionStatus", { execution_id: "nope" }))["status"], "not_found");
  assert.is((await unary(client, "CancelExecution", { execution_id: id }))["cancelled"], false);
  assert.ok(((await unary(client, "ListWorkflows", {}))["workflows"] as { name: string }[]).some((w) => w.name === "chatty"));
  assert.is((await unary(client, "ValidateWorkflow", { workflow_yaml: "workflows: {w: {steps: [{tool: filesystem, args: {op: list}}]}}" }))["valid"], true);
  const poll = await unary(client, "PollExecution", { execution_id: id, after_seq: 2 });
  assert.equal([poll["done"], (poll["events"] as { seq: number }[])[0]!.seq], [true, 3]);
  assert.equal(((await unary(client, "ListNodes", {}))["nodes"] as { id: string; tags: string[] }[]).map((n) => [n.id, n.tags]), [["test-node", ["eu"]]]);
  const generated = await unary(client, "GenerateWorkflow", REPORTS);
  assertReportsGenerated({ ...generated, workflow_config: JSON.parse(generated["workflow_config_json"] as string) });
  const ran = await unary(client, "ExecuteGeneratedWorkflow", REPORTS);
  assert.equal([ran["status"], ran["workflow_name"], (ran["generation"] as { generator: string }).generator], ["completed", "summarise_reports_folder", "template"]);
  assert.match(JSON.parse(ran["result_json"] as string), REPORTS_RESULT);
});

test("grpc - invalid arguments are INVALID_ARGUMENT with the actionable feedback in wfx-error-bin", async () => {
  const error = (await unary(client, "ExecuteWorkflow", { workflow_name: "one_step", execution_mode: "later", input_data_json: "{oops" }).catch((e) => e)) as grpc.ServiceError;
  assert.is(error.code, grpc.status.INVALID_ARGUMENT);
  assert.match(error.details, "input_data_json");
  const body = errorBodyOf(error);
  assert.is(body["code"], "WFX_INVALID_ARGUMENTS");
  assert.equal((body["actionable_feedback"] as { problems: { field: string }[] }).problems.map((p) => p.field), ["input_data_json"]);
});

test("grpc - WatchExecution replays past events, follows live ones and ends after the last", async () => {
  const started = await unary(client, "ExecuteWorkflow", { workflow_name: "chatty", input_data_json: '{"count": 300}', execution_mode: "async" });
  const id = started["execution_id"] as string;
  await eventually(async () => ((await t.runtime.options.store.getEvents(id)).length > 0 ? true : undefined), 5000, "a first recorded event to replay");
  const { messages, error } = await collect(watch(client, id));
  assert.is(error, undefined);
  const seqs = messages.map((m) => Number(m["seq"]));
  assert.equal(seqs, seqs.map((_, i) => i + 1), "every event exactly once, in order");
  assert.ok(seqs.length > 300);
  assert.ok(TERMINAL.has(messages.at(-1)!["type"] as string));
  assert.equal(JSON.parse(messages.find((m) => m["type"] === "step.progress")!["data_json"] as string).i, 0);
});

test("grpc - WatchExecution resumes after a given sequence number", async () => {
  const run = await unary(client, "ExecuteWorkflow", { workflow_name: "three_steps", input_data_json: '{"value": 1}' });
  const all = await collect(watch(client, run["execution_id"] as string, 0));
  const resumed = await collect(watch(client, run["execution_id"] as string, 4));
  assert.equal(resumed.messages.map((m) => m["seq"]), all.messages.slice(4).map((m) => m["seq"]));
  const missing = await collect(watch(client, "no-such-execution"));
  assert.is(missing.error?.code, grpc.status.NOT_FOUND);
});

test("grpc - a slow watcher is paused and caught up from the store, not buffered in server memory", async () => {
  const count = 8000;
  const size = 1500;
  const pausesBefore = t.node.metrics.watcherPauses.get({ gateway: "grpc" });
  const started = await unary(client, "ExecuteWorkflow", { workflow_name: "chatty", input_data_json: JSON.stringify({ count, size }), execution_mode: "async" });
  const id = started["execution_id"] as string;
  const received: number[] = [];
  const stream = watch(client, id);
  stream.on("data", (m: Record<string, unknown>) => {
    received.push(Number(m["seq"]));
    if (received.length === 10) stream.pause();
  });
  const ended = new Promise<Error | undefined>((resolve) => {
    stream.on("end", () => resolve(undefined));
    stream.on("error", resolve);
  });
  // 12 MB of events for a client that stopped reading after ten: the server must have paused rather than queued them.
  await eventually(async () => (await t.runtime.status(id))?.status === "completed", 30_000, "the chatty execution to end");
  await eventually(() => t.node.metrics.watcherPauses.get({ gateway: "grpc" }) > pausesBefore || undefined, 5000, "the stream paused on a full client");
  stream.resume();
  assert.is(await ended, undefined);
  // Its progress events, and execution.started, step.started, step.completed, execution.completed (the one step ends it, so no execution.progress).
  assert.is(received.length, count + 4, "after resuming, every event arrives");
  assert.ok(received.every((s, i) => s === i + 1), "in order, without gaps or repeats");
});

test("grpc - a client deadline caps a sync execution, which is recorded as timed out", async () => {
  const before = new Set((await t.runtime.options.store.listRecords({ workflow_name: "slow" })).map((r) => r.execution_id));
  const answer = await unary(client, "ExecuteWorkflow", { workflow_name: "slow" }, { deadlineMs: 1000 }).catch((e: grpc.ServiceError) => e);
  // Normally the timed-out record comes back just before the deadline; on a loaded machine the deadline may win.
  if ("code" in answer) assert.is(answer.code, grpc.status.DEADLINE_EXCEEDED);
  else assert.is(answer["status"], "timeout");
  const record = await eventually(async () => (await t.runtime.options.store.listRecords({ workflow_name: "slow" })).find((r) => !before.has(r.execution_id) && r.status !== "running"));
  assert.equal([record.status, record.error?.code], ["timeout", "WFX_EXECUTION_TIMEOUT"]);
  // The timeout is the deadline's (the workflow has none, and its step would wait 60 s), less time for the reply.
  const timeoutS = Number(/timed out after ([\d.]+)s/.exec(record.error!.message)?.[1]);
  assert.ok(timeoutS > 0 && timeoutS <= 1, record.error!.message);
});

test("grpc - cancelling the call cancels the sync execution", async () => {
  const before = new Set((await t.runtime.options.store.listRecords({ workflow_name: "slow" })).map((r) => r.execution_id));
  const abort = new AbortController();
  const call = unary(client, "ExecuteWorkflow", { workflow_name: "slow" }, { signal: abort.signal }).catch((e: grpc.ServiceError) => e);
  await eventually(async () => (await t.runtime.options.store.listRecords({ workflow_name: "slow", status: "running" })).find((r) => !before.has(r.execution_id)), 5000, "the execution to run");
  abort.abort();
  assert.is(((await call) as grpc.ServiceError).code, grpc.status.CANCELLED);
  const record = await eventually(async () => (await t.runtime.options.store.listRecords({ workflow_name: "slow" })).find((r) => !before.has(r.execution_id) && r.status !== "running"));
  assert.is(record.status, "cancelled");
});

test("grpc - a node at capacity queues the next: its status is queued with its place, and it runs once a slot frees", async () => {
  const ids: string[] = [];
  for (let i = 0; i < 6; i++) ids.push((await unary(client, "ExecuteWorkflow", { workflow_name: "slow", execution_mode: "async" }))["execution_id"] as string);
  const queued = await unary(client, "ExecuteWorkflow", { workflow_name: "one_step", input_data_json: "4", execution_mode: "async", priority: 7 });
  assert.is(queued["status"], "queued");
  assert.equal(JSON.parse(String(queued["queue_json"])), { ...JSON.parse(String(queued["queue_json"])), priority: 7, position: 1, reason: "node at capacity 6/6" });
  const status = await unary(client, "CheckExecutionStatus", { execution_id: queued["execution_id"] });
  assert.equal([status["status"], JSON.parse(String(status["queue_json"]))["position"]], ["queued", 1]);
  await Promise.all(ids.map((id) => unary(client, "CancelExecution", { execution_id: id })));
  const done = await eventually(async () => {
    const answer = await unary(client, "CheckExecutionStatus", { execution_id: queued["execution_id"] });
    return answer["status"] === "completed" ? answer : undefined;
  });
  assert.is(done["result_json"], "4");
});

test("grpc - a message over the node's size cap is RESOURCE_EXHAUSTED", async () => {
  const error = (await unary(client, "ValidateWorkflow", { workflow_yaml: `# ${"x".repeat(300 * 1024)}` }).catch((e) => e)) as grpc.ServiceError;
  assert.is(error.code, grpc.status.RESOURCE_EXHAUSTED);
});

test("grpc - WatchNodes streams this node, then its load as executions start and end", async () => {
  const stream = (client["WatchNodes"] as (r: unknown, m: grpc.Metadata) => grpc.ClientReadableStream<Record<string, unknown>>)({ after_seq: 0 }, metadataFor());
  const events: Record<string, unknown>[] = [];
  stream.on("data", (e: Record<string, unknown>) => events.push(e));
  stream.on("error", () => {});
  await eventually(() => events.length >= 1);
  assert.is(events[0]!["type"], "node.up");
  assert.is((events[0]!["node"] as { id: string }).id, "test-node");
  await unary(client, "ExecuteWorkflow", { workflow_name: "one_step" });
  await eventually(() => events.some((e) => (e["node"] as { load: number }).load === 1));
  await eventually(() => (events.at(-1)!["node"] as { load: number }).load === 0);
  stream.cancel();
});

test("grpc - the standard health service reports SERVING", async () => {
  const health = healthClient(t.node.grpcAddress!);
  const answer = await new Promise<Record<string, unknown>>((resolve, reject) => health.Check({ service: "wfx.v1.WorkflowExecutor" }, (e, r) => (e ? reject(e) : resolve(r))));
  assert.is(answer["status"], "SERVING");
  health.close();
});

test.run();
