import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "uvu";
import * as assert from "uvu/assert";
import { eventually } from "./helpers/engine-fixture.js";
import { startGateServer } from "./helpers/gate-server.js";
import { grpcClient } from "./helpers/gateway-grpc.js";
import { post } from "./helpers/gateway-node.js";
import { startNatsServer } from "./helpers/nats-server.js";
import { checkQueueLoad, sendQueueLoad } from "./helpers/queue-load.js";
import { QUEUE_TOKENS, QUEUE_WORKFLOWS, statusOf } from "./helpers/queue-node.js";
import { startServe, type ServeProcess } from "./helpers/serve-process.js";

// A gateway-only node and one worker of capacity 2 over a real nats-server: the worker queues what finds it full,
// durably in the cluster store, and the queue survives a SIGKILL of the worker and a restart of nats-server.
const nats = await startNatsServer();
const gate = await startGateServer();
const dir = mkdtempSync(join(tmpdir(), "wfx-cluster-queue-"));
const tokens = join(dir, "tokens.yaml");
writeFileSync(tokens, ["a", "b", "c"].map((id) => `- { id: ${id}, token: "${QUEUE_TOKENS[id as "a"]}", scopes: [execute, read], max_running: 2 }`).join("\n"));
const profile = join(dir, "gateway.yaml");
writeFileSync(profile, `tags: [gateway]\ncapacity: { executions: 0, steps: 0 }\ngateways: { http: { port: 0 }, grpc: { port: 0 }, mcp: /mcp }\nnats: { url: "${nats.url}" }\n`);
const gateway = await startServe(join(dir, "gateway"), ["--node-id", "gw-1", "--profile", profile, "--workflows", QUEUE_WORKFLOWS, "--tokens", tokens, "--host", "127.0.0.1", "--grpc-port", "0", "--default-timeout", "600"], {}, "node");
const workerArgs = ["--node-id", "worker-1", "--nats", nats.url, "--workflows", QUEUE_WORKFLOWS, "--max-concurrent", "2", "--default-timeout", "600"];
let worker: ServeProcess = await startServe(join(dir, "worker"), workerArgs, {}, "node");
const grpc = grpcClient(gateway.grpc()!);
const { a } = QUEUE_TOKENS;

/** Set once every test passed: otherwise the nodes' logs are printed, what a failure here needs to be understood. */
let passed = 0;

test.after(async () => {
  if (passed < 2) for (const [name, node] of [["gateway", gateway], ["worker", worker]] as const) console.log(`--- ${name} log (last 6,000 characters) ---\n${node.stderr().slice(-6000)}`);
  grpc.close();
  await worker.kill("SIGTERM");
  await gateway.kill("SIGTERM");
  await nats.close();
  await gate.close();
  rmSync(dir, { recursive: true, force: true });
});

async function workerUp(): Promise<void> {
  await eventually(async () => {
    const listed = (await post(gateway.url, "list_nodes", {}, a)).body["nodes"] as { id: string; status: string }[] | undefined;
    return listed?.some((n) => n.id === "worker-1" && n.status === "up") ? true : undefined;
  }, 30_000, "worker-1 up");
}

test("cluster queue - 300 executions from three tokens on one worker of capacity 2 through a gateway node: none refused or lost across a worker SIGKILL, a nats-server restart with 299 queued and another mid-run, later tokens not starved, priority 9 first", async () => {
  await workerUp();
  for (let i = 0; i < 2; i++) {
    const held = await post(gateway.url, "execute_workflow", { workflow_name: "work", input_data: { gate: gate.url, name: "cluster" }, execution_mode: "async" }, a);
    assert.is(held.body["status"], "running", JSON.stringify(held.body));
  }
  await eventually(() => (gate.arrived("cluster") === 2 ? true : undefined), 20_000, "both of the worker's slots to be held");
  const sent = await sendQueueLoad(gateway.url, grpc);
  const queued = await statusOf(gateway.url, sent[0]!.id, a);
  assert.equal([queued["status"], queued["node"], (queued["queue"] as Record<string, unknown>)["reason"]], ["queued", "worker-1", "node at capacity 2/2"]);
  // Cancel reaches a queued execution on the worker through the gateway: it ends cancelled and never starts.
  const extra = await post(gateway.url, "execute_workflow", { workflow_name: "work", input_data: { tag: "cancelled" }, execution_mode: "async" }, a);
  assert.is(extra.body["status"], "queued");
  const cancelled = await post(gateway.url, "cancel_execution", { execution_id: extra.body["execution_id"] }, a);
  assert.equal([cancelled.status, cancelled.body["cancelled"]], [200, true], JSON.stringify(cancelled.body));
  assert.is((await statusOf(gateway.url, extra.body["execution_id"], a))["status"], "cancelled");
  // The worker dies with 299 queued on it; started again on its data dir, it takes them up from the cluster store.
  await worker.kill("SIGKILL");
  worker = await startServe(join(dir, "worker"), workerArgs, {}, "node");
  await workerUp();
  // Then nats-server restarts on the same store dir, the queue still full (nothing runs: only the two held steps wait).
  await eventually(async () => ((await statusOf(gateway.url, sent[0]!.id, a))["status"] === "queued" ? true : undefined), 30_000, "the queue to be taken up again");
  await nats.stop("SIGTERM");
  await nats.start();
  await workerUp();
  gate.open("cluster");
  // And again mid-run, with executions starting and ending (appends whose answers are lost must not fence them).
  await eventually(async () => ((await statusOf(gateway.url, sent[150]!.id, a))["status"] === "completed" ? true : undefined), 120_000, "half of them to complete");
  await nats.stop("SIGTERM");
  await nats.start();
  await checkQueueLoad(gateway.url, sent);
  passed++;
});

test("cluster queue - a worker queues what its own gateway receives when it is full, as it does what is placed on it", async () => {
  await workerUp();
  const run = (input: Record<string, unknown>) => post(worker.url, "execute_workflow", { workflow_name: "work", input_data: input, execution_mode: "async" });
  const held = [await run({ gate: gate.url, name: "local" }), await run({ gate: gate.url, name: "local" })];
  assert.equal(held.map((h) => h.body["status"]), ["running", "running"]);
  await eventually(() => (gate.arrived("local") === 2 ? true : undefined), 20_000, "both of the worker's slots to be held");
  const queued = await run({ tag: "local" });
  assert.equal([queued.body["status"], (queued.body["queue"] as Record<string, unknown>)["reason"]], ["queued", "node at capacity 2/2"]);
  gate.open("local");
  await eventually(async () => ((await post(worker.url, "check_execution_status", { execution_id: queued.body["execution_id"] })).body["status"] === "completed" ? true : undefined), 30_000, "the queued one to complete");
  passed++;
});

test.run();
