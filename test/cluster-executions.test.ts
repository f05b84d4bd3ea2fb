import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "uvu";
import * as assert from "uvu/assert";
import { eventually, FIXTURES } from "./helpers/engine-fixture.js";
import { post } from "./helpers/gateway-node.js";
import { startNatsServer } from "./helpers/nats-server.js";
import { startServe, type ServeProcess } from "./helpers/serve-process.js";
import { wfx } from "./helpers/cli.js";
import { collect, grpcClient, watch } from "./helpers/gateway-grpc.js";

const FLOWS = join(FIXTURES, "cluster");
const nats = await startNatsServer();
const dirs: string[] = [];
const nodes: ServeProcess[] = [];

function tempDir(name: string): string {
  const dir = mkdtempSync(join(tmpdir(), `wfx-exec-${name}-`));
  dirs.push(dir);
  return dir;
}

async function node(id: string, args: string[]): Promise<ServeProcess> {
  const started = await startServe(tempDir(id), ["--node-id", id, "--workflows", FLOWS, ...args], { WFX_PLACEMENT_TIMEOUT_S: "2" }, "node");
  nodes.push(started);
  return started;
}

// A gateway-only node, as nodes/gateway.yaml makes one: it supervises nothing, so every execution runs on a worker. One
// admission slot: an execution it placed (or is placing) holds none of its slots, only its token's share.
const profile = join(tempDir("profile"), "gateway.yaml");
writeFileSync(profile, `tags: [gateway]\ncapacity: { executions: 0, steps: 0 }\ngateways: { http: { port: 0 } }\nnats: { url: "${nats.url}" }\nplacement_timeout_s: 2\n`);
const gateway = await node("gw-1", ["--profile", profile, "--max-concurrent", "1"]);
const gpu = await node("gpu-1", ["--nats", nats.url, "--tags", "gpu"]);
const eu = await node("eu-1", ["--nats", nats.url, "--tags", "eu", "--grpc-port", "0"]);

test.after(async () => {
  for (const n of nodes) await n.kill("SIGTERM");
  await nats.close();
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

type Body = Record<string, unknown>;

async function allUp(): Promise<void> {
  await eventually(async () => {
    const listed = (await post(gateway.url, "list_nodes", {})).body["nodes"] as { id: string; status: string }[];
    return ["eu-1", "gpu-1", "gw-1"].every((id) => listed.some((n) => n.id === id && n.status === "up")) ? true : undefined;
  }, 10_000, "three nodes up");
}

async function eventsOf(url: string, id: string, afterSeq: number): Promise<{ seq: number; type: string; step?: string }[]> {
  return (await post(url, "watch_execution", { execution_id: id, after_seq: afterSeq, wait: 1 })).body["events"] as { seq: number; type: string; step?: string }[];
}

test("cluster executions - an execute sent to the gateway-only node runs on a worker and answers with its result", async () => {
  await allUp();
  const answer = await post(gateway.url, "execute_workflow", { workflow_name: "anywhere", input_data: {} });
  assert.is(answer.body["status"], "completed", JSON.stringify(answer.body));
  assert.ok(["gpu-1", "eu-1"].includes(String(answer.body["node"])), `ran on ${answer.body["node"]}`);
  assert.is(((answer.body["result"] ?? (answer.body["steps"] as Body[])[0]!["output"]) as { path: number[] }).path.length, 1);
});

test("cluster executions - target_tags, target_instance and a workflow's placement pick the node", async () => {
  await allUp();
  for (let i = 0; i < 4; i++) {
    const byTags = await post(gateway.url, "execute_workflow", { workflow_name: "anywhere", target_tags: ["eu"] });
    assert.is(byTags.body["node"], "eu-1", JSON.stringify(byTags.body));
    const byInstance = await post(gateway.url, "execute_workflow", { workflow_name: "anywhere", target_instance: "gpu-1" });
    assert.is(byInstance.body["node"], "gpu-1", JSON.stringify(byInstance.body));
    const byPool = await post(gateway.url, "execute_workflow", { workflow_name: "anywhere", target_instance: "eu" });
    assert.is(byPool.body["node"], "eu-1");
    const byWorkflow = await post(gateway.url, "execute_workflow", { workflow_name: "on_gpu" });
    assert.is(byWorkflow.body["node"], "gpu-1");
  }
});

test("cluster executions - an isolated execution placed on a node runs in that node's isolated process; GET /nodes lists the cluster", async () => {
  await allUp();
  const answer = await post(gateway.url, "execute_workflow", { workflow_name: "anywhere", input_data: {}, target_instance: "eu-1", execution_mode: "isolated" });
  const id = String(answer.body["execution_id"]);
  const final = await eventually(async () => {
    const r = (await post(gpu.url, "check_execution_status", { execution_id: id })).body;
    return r["status"] === "completed" ? r : undefined;
  }, 15_000, "the isolated execution completed");
  assert.is(final["execution_mode"], "isolated");
  assert.is(final["node"], "eu-1");
  const path = ((final["steps"] as Body[])[0]!["output"] as { path: number[] }).path;
  assert.is.not(path[0], eu.child.pid, "the step ran in a child process of eu-1, not in eu-1 itself");
  const listed = (await (await fetch(`${gateway.url}/nodes?tags=eu`)).json()) as { nodes: { id: string }[] };
  assert.equal(listed.nodes.map((n) => n.id), ["eu-1"]);
});

test("cluster executions - an execution too large to cross NATS fails with the size and the limit, never truncated", async () => {
  await allUp();
  const answer = await post(gateway.url, "execute_workflow", { workflow_name: "anywhere", input_data: { pad: "y".repeat(1_000_000) } });
  assert.is(answer.body["status"], "failed");
  const error = answer.body["error"] as { code: string; message: string };
  assert.is(error.code, "WFX_EXECUTION_ORDER_TOO_LARGE");
  assert.match(error.message, /is \d+ bytes as JSON, over the \d+ bytes/);
});

test("cluster executions - tags nobody offers: pending with the message on every node, then failed after the placement timeout; pending ones hold no slot of the placing node", async () => {
  await allUp();
  // gw-1 admits one execution at a time: the second pending one is accepted because the first holds no slot there.
  const started = await Promise.all([1, 2].map(() => post(gateway.url, "execute_workflow", { workflow_name: "anywhere", target_tags: ["quantum"], execution_mode: "async" })));
  assert.equal(started.map((s) => [s.status, s.body["status"]]), [[200, "pending"], [200, "pending"]], JSON.stringify(started.map((s) => s.body)));
  const ids = started.map((s) => String(s.body["execution_id"]));
  for (const id of ids) {
    const pending = (await post(eu.url, "check_execution_status", { execution_id: id })).body;
    assert.is(pending["status"], "pending", JSON.stringify(pending));
    assert.match(JSON.stringify(pending), "quantum");
  }
  for (const id of ids) {
    const final = await eventually(async () => {
      const record = (await post(gpu.url, "check_execution_status", { execution_id: id })).body;
      return record["status"] === "failed" ? record : undefined;
    }, 10_000, "failed after the placement timeout");
    assert.is((final["error"] as { code: string }).code, "WFX_NO_FEASIBLE_NODE");
    assert.match((final["error"] as { message: string }).message, "quantum");
  }
});

test("cluster executions - watched from a node that does not run it, resumed from a sequence number without a gap, to its end", async () => {
  await allUp();
  const started = await post(gateway.url, "execute_workflow", { workflow_name: "ticking", input_data: { ms: 250 }, target_instance: "gpu-1", execution_mode: "async" });
  const id = String(started.body["execution_id"]);
  const first = await eventually(async () => {
    const events = await eventsOf(eu.url, id, 0);
    return events.some((e) => e.type === "step.completed") ? events : undefined;
  }, 10_000, "a first completed step seen from eu-1");
  const cut = first.find((e) => e.type === "step.completed")!.seq;
  const seen = first.filter((e) => e.seq <= cut).map((e) => e.seq);
  let last = cut;
  for (let round = 0; round < 100; round++) {
    const events = await eventsOf(gateway.url, id, last);
    for (const e of events) seen.push(e.seq);
    if (events.length > 0) last = events.at(-1)!.seq;
    if (events.some((e) => e.type === "execution.completed")) break;
  }
  assert.equal(seen, Array.from({ length: seen.length }, (_, i) => i + 1), "every sequence number once, in order");
  const record = (await post(eu.url, "check_execution_status", { execution_id: id })).body;
  assert.is(record["status"], "completed");
  assert.is(record["node"], "gpu-1");
});

test("cluster executions - gRPC WatchExecution on a node that does not run it, resumed from after_seq, ends after the last event", async () => {
  await allUp();
  const started = await post(gateway.url, "execute_workflow", { workflow_name: "ticking", input_data: { ms: 150 }, target_instance: "gpu-1", execution_mode: "async" });
  const id = String(started.body["execution_id"]);
  await eventually(async () => ((await eventsOf(gateway.url, id, 0)).length >= 3 ? true : undefined), 10_000, "three events");
  const client = grpcClient(eu.grpc()!);
  const { messages, error } = await collect(watch(client, id, 2));
  client.close();
  assert.is(error, undefined);
  const seqs = messages.map((m) => Number(m["seq"]));
  assert.is(seqs[0], 3, "resumed after sequence 2");
  assert.equal(seqs, Array.from({ length: seqs.length }, (_, i) => i + 3), "no gap, no repeat");
  assert.is(messages.at(-1)!["type"], "execution.completed");
});

test("cluster executions - cancel from a node that does not run it reaches the running step", async () => {
  await allUp();
  const started = await post(gateway.url, "execute_workflow", { workflow_name: "ticking", input_data: { ms: 60_000 }, target_instance: "gpu-1", execution_mode: "async" });
  const id = String(started.body["execution_id"]);
  await eventually(async () => ((await eventsOf(eu.url, id, 0)).some((e) => e.type === "step.started") ? true : undefined), 10_000, "the first step running");
  const cancelled = await post(eu.url, "cancel_execution", { execution_id: id });
  assert.is(cancelled.body["cancelled"], true, JSON.stringify(cancelled.body));
  const record = (await post(gateway.url, "check_execution_status", { execution_id: id })).body;
  assert.is(record["status"], "cancelled");
  assert.is((record["steps"] as Body[])[0]!["status"], "cancelled");
});

test("cluster executions - wfx status --follow and wfx cancel --nats answer for an execution on another node", async () => {
  await allUp();
  const followed = await post(gateway.url, "execute_workflow", { workflow_name: "ticking", input_data: { ms: 200 }, target_instance: "eu-1", execution_mode: "async" });
  const id = String(followed.body["execution_id"]);
  const cli = { dataDir: tempDir("cli"), timeoutMs: 30_000 };
  const follow = await wfx(["status", id, "--follow", "--json", "--nats", nats.url], cli);
  assert.is(follow.code, 0, follow.stderr);
  const lines = follow.stdout.trim().split("\n").map((l) => JSON.parse(l) as { event?: { seq: number; type: string }; record?: Body });
  const seqs = lines.flatMap((l) => (l.event === undefined ? [] : [l.event.seq]));
  assert.equal(seqs, Array.from({ length: seqs.length }, (_, i) => i + 1), "every event once, in order");
  assert.is(lines.at(-2)!.event!.type, "execution.completed");
  assert.is(lines.at(-1)!.record!["status"], "completed");
  assert.is(lines.at(-1)!.record!["node"], "eu-1");
  const long = await post(gateway.url, "execute_workflow", { workflow_name: "ticking", input_data: { ms: 60_000 }, target_instance: "eu-1", execution_mode: "async" });
  const longId = String(long.body["execution_id"]);
  await eventually(async () => ((await eventsOf(gpu.url, longId, 0)).some((e) => e.type === "step.started") ? true : undefined), 10_000, "running on eu-1");
  const cancelled = await wfx(["cancel", longId, "--json", "--nats", nats.url], cli);
  assert.is(cancelled.code, 0, cancelled.stderr + cancelled.stdout);
  assert.is((JSON.parse(cancelled.stdout) as Body)["status"], "cancelled");
});

test.run();
