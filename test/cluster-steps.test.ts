import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "uvu";
import * as assert from "uvu/assert";
import { eventually, FIXTURES } from "./helpers/engine-fixture.js";
import { post } from "./helpers/gateway-node.js";
import { startNatsServer } from "./helpers/nats-server.js";
import { startServe, type ServeProcess } from "./helpers/serve-process.js";
import { wfx } from "./helpers/cli.js";

const FLOWS = join(FIXTURES, "cluster");
const nats = await startNatsServer();
const dirs: string[] = [];
const nodes: ServeProcess[] = [];

async function node(id: string, tags: string, env: Record<string, string> = {}): Promise<ServeProcess> {
  const dataDir = mkdtempSync(join(tmpdir(), `wfx-steps-${id}-`));
  dirs.push(dataDir);
  const started = await startServe(dataDir, ["--nats", nats.url, "--node-id", id, "--tags", tags, "--workflows", FLOWS], { WFX_PLACEMENT_TIMEOUT_S: "2", ...env }, "node");
  nodes.push(started);
  return started;
}

const gateway = await node("gateway-1", "gateway");
// The one node with a gpu to reserve: steps asking for `resources: {gpu: 1}` take turns on it.
await node("gpu-1", "gpu", { WFX_NODE_RESOURCES: "gpu=1" });
await node("gpu-2", "gpu");
await node("eu-1", "eu");

test.after(async () => {
  for (const n of nodes) await n.kill("SIGTERM");
  await nats.close();
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

interface Step {
  id: string;
  node: string;
  status: string;
  output?: unknown;
  error?: { code: string; message: string };
}

/** Waits until the gateway sees these nodes up (by default the four every test shares). */
async function allUp(ids = ["eu-1", "gateway-1", "gpu-1", "gpu-2"]): Promise<void> {
  await eventually(async () => {
    const listed = (await post(gateway.url, "list_nodes", {})).body["nodes"] as { id: string; status: string }[];
    return ids.every((id) => listed.some((n) => n.id === id && n.status === "up")) ? true : undefined;
  }, 5000, `${ids.join(", ")} up`);
}

/**
 * Waits until each node has run an execution placed on it. A node is listed up as soon as it joins, a moment before
 * its actor system is linked (`wfx node` joins before it attaches its runtime); a step sent to it then is lost.
 */
async function takingWork(...ids: string[]): Promise<void> {
  for (const id of ids) {
    await eventually(async () => {
      const answer = await post(gateway.url, "execute_workflow", { workflow_name: "anywhere", target_instance: id, input_data: {}, timeout: 5 });
      return answer.body["status"] === "completed" || undefined;
    }, 20_000, `${id} to take work`);
  }
}

test("cluster steps - a gpu step runs on a gpu node and an eu step on the eu node; the step records name the node", async () => {
  await allUp();
  const answer = await post(gateway.url, "execute_workflow", { workflow_name: "gpu_then_eu", input_data: {} });
  assert.is(answer.body["status"], "completed", JSON.stringify(answer.body));
  const steps = answer.body["steps"] as Step[];
  assert.ok(["gpu-1", "gpu-2"].includes(steps[0]!.node), `train ran on ${steps[0]!.node}`);
  assert.equal(steps.slice(1).map((s) => s.node), ["eu-1", "gateway-1"]);
  const path = (answer.body["result"] as { path: number[] }).path;
  assert.is(new Set(path).size, 3, "three processes ran the three steps");
});

test("cluster steps - a step asking for tags nobody offers stays pending with the message, then fails after the placement timeout", async () => {
  const started = await post(gateway.url, "execute_workflow", { workflow_name: "nobody", execution_mode: "async" });
  const id = String(started.body["execution_id"]);
  const pending = await eventually(async () => {
    const events = (await post(gateway.url, "watch_execution", { execution_id: id, after_seq: 0, wait: 0 })).body["events"] as { type: string; data?: { kind?: string; message?: string } }[];
    return events.find((e) => e.type === "step.progress" && e.data?.kind === "pending");
  }, 5000, "the pending progress event");
  assert.match(String(pending.data!.message), "quantum");
  // The status says why the step waits, not only the event.
  const waiting = await eventually(async () => {
    const steps = (await post(gateway.url, "check_execution_status", { execution_id: id })).body["steps"] as { status: string; message?: string }[];
    return steps[0]?.message === undefined ? undefined : steps[0];
  }, 5000, "the step's message in the status");
  assert.equal(waiting.status, "pending");
  assert.match(String(waiting.message), "quantum");
  const final = await eventually(async () => {
    const record = (await post(gateway.url, "check_execution_status", { execution_id: id })).body;
    return record["status"] === "failed" ? record : undefined;
  }, 10_000, "failed after the placement timeout");
  assert.is((final["error"] as { code: string }).code, "WFX_NO_FEASIBLE_NODE");
  assert.match((final["error"] as { message: string }).message, "quantum");
});

test("cluster steps - what crosses NATS is bounded: a too-large input or output fails the step with the size and the limit, and the nodes stay up", async () => {
  await allUp();
  const input = await post(gateway.url, "execute_workflow", { workflow_name: "big_on_gpu", input_data: { bytes: 0, pad: "y".repeat(1_000_000) } });
  assert.is(input.body["status"], "failed", JSON.stringify(input.body).slice(0, 300));
  const inputError = input.body["error"] as { code: string; message: string };
  assert.is(inputError.code, "WFX_STEP_PAYLOAD_TOO_LARGE");
  assert.match(inputError.message, /order for step 'huge' .* is \d+ bytes as JSON, over the \d+ bytes/);
  const output = await post(gateway.url, "execute_workflow", { workflow_name: "big_on_gpu", input_data: { bytes: 2_000_000 } });
  assert.is(output.body["status"], "failed", JSON.stringify(output.body).slice(0, 300));
  const outputError = output.body["error"] as { code: string; message: string };
  assert.is(outputError.code, "WFX_STEP_PAYLOAD_TOO_LARGE");
  assert.match(outputError.message, /output of step 'huge' is 2000002 bytes as JSON/);
  const small = await post(gateway.url, "execute_workflow", { workflow_name: "big_on_gpu", input_data: { bytes: 10 } });
  assert.is(small.body["status"], "completed", "the same nodes still run steps");
  assert.is(small.body["result"] ?? (small.body["steps"] as Step[])[0]!.output, "x".repeat(10));
});

interface ListedNode {
  id: string;
  resources?: { total: Record<string, number>; free: Record<string, number> };
  steps?: { capacity: number; load: number };
}

async function gpuNode(): Promise<ListedNode> {
  return ((await post(gateway.url, "list_nodes", {})).body["nodes"] as ListedNode[]).find((n) => n.id === "gpu-1")!;
}

test("cluster steps - resources: two steps each reserving the node's one gpu take turns on it; its record shows the gpu taken, then free", async () => {
  await allUp();
  assert.equal((await gpuNode()).resources, { total: { gpu: 1 }, free: { gpu: 1 } });
  const started = await post(gateway.url, "execute_workflow", { workflow_name: "two_on_one_gpu", execution_mode: "async", input_data: { ms: 1500 } });
  const id = String(started.body["execution_id"]);
  const taken = await eventually(async () => {
    const seen = await gpuNode();
    return seen.resources?.free["gpu"] === 0 ? seen : undefined;
  }, 5000, "gpu-1's gpu reserved");
  assert.is(taken.steps?.load, 1, "one placed step runs there");
  const waiting = await eventually(async () => {
    const events = (await post(gateway.url, "watch_execution", { execution_id: id, after_seq: 0, wait: 0 })).body["events"] as { type: string; step_id?: string; data?: { kind?: string; message?: string } }[];
    return events.find((e) => e.type === "step.progress" && e.data?.kind === "pending");
  }, 5000, "the other step pending");
  assert.match(String(waiting.data!.message), "gpu-1 (gpu 0/1 free)");
  const final = await eventually(async () => {
    const record = (await post(gateway.url, "check_execution_status", { execution_id: id })).body;
    return ["completed", "failed"].includes(String(record["status"])) ? record : undefined;
  }, 10_000, "both steps ran");
  assert.is(final["status"], "completed", JSON.stringify(final["error"]));
  assert.equal((final["steps"] as Step[]).map((s) => s.node), ["gpu-1", "gpu-1"]);
  const [a, b] = final["steps"] as (Step & { started: number; ended: number })[];
  assert.ok(a!.ended <= b!.started || b!.ended <= a!.started, "one ran after the other");
  await eventually(async () => ((await gpuNode()).resources?.free["gpu"] === 1 ? true : undefined), 5000, "the gpu given back");
  const greedy = await post(gateway.url, "execute_workflow", { workflow_name: "two_gpus", input_data: {} });
  assert.is((greedy.body["error"] as { code: string }).code, "WFX_NO_FEASIBLE_NODE");
  assert.match((greedy.body["error"] as { message: string }).message, "has 2 gpu (the most on one node is 1)");
});

test("cluster steps - wfx drain NODE: the drained node says draining (and not ready) and receives no new step", async () => {
  const drainee = await node("drainee-1", "gpu");
  try {
    await allUp(["gateway-1", "eu-1", "drainee-1"]);
    const drained = await wfx(["drain", "drainee-1", "--nats", nats.url], { dataDir: dirs[0]! });
    assert.is(drained.code, 0, drained.stderr);
    assert.match(drained.stdout, "drainee-1 is draining");
    await eventually(async () => ((await post(gateway.url, "list_nodes", {})).body["nodes"] as { id: string; status: string }[]).some((n) => n.id === "drainee-1" && n.status === "draining") || undefined, 5000, "drainee-1 draining");
    assert.is((await fetch(`${drainee.url}/ready`)).status, 503);
    for (let i = 0; i < 6; i++) {
      const answer = await post(gateway.url, "execute_workflow", { workflow_name: "gpu_then_eu", input_data: {} });
      assert.is.not((answer.body["steps"] as Step[])[0]!.node, "drainee-1", "never on the drained node");
    }
    const unknown = await wfx(["drain", "nobody-9", "--nats", nats.url], { dataDir: dirs[0]! });
    assert.is(unknown.code, 5);
    assert.match(unknown.stderr, "no node 'nobody-9' answered");
  } finally {
    await drainee.kill("SIGTERM");
  }
});

test("cluster steps - SIGKILL of the node running a retryable step: the step finishes on the other node of its pool", async () => {
  const pool = { "crash-1": await node("crash-1", "crash_pool"), "crash-2": await node("crash-2", "crash_pool") };
  try {
    await takingWork("crash-1", "crash-2");
    const started = await post(gateway.url, "execute_workflow", { workflow_name: "long_on_crash_pool", execution_mode: "async", input_data: { ms: 3000 } });
    const id = String(started.body["execution_id"]);
    const first = await eventually(async () => {
      const record = (await post(gateway.url, "check_execution_status", { execution_id: id })).body;
      const step = (record["steps"] as Step[] | undefined)?.[0];
      return step?.status === "running" && step.node in pool ? (step.node as keyof typeof pool) : undefined;
    }, 5000, "crunch running on a node of the pool");
    await pool[first].kill("SIGKILL");
    const final = await eventually(async () => {
      const record = (await post(gateway.url, "check_execution_status", { execution_id: id })).body;
      return ["completed", "failed"].includes(String(record["status"])) ? record : undefined;
    }, 20_000, "the execution ended");
    assert.is(final["status"], "completed", JSON.stringify(final["error"]));
    assert.is((final["steps"] as Step[])[0]!.node, first === "crash-1" ? "crash-2" : "crash-1", "it finished on the other node");
  } finally {
    for (const n of Object.values(pool)) await n.kill("SIGTERM");
  }
});

test("cluster steps - SIGTERM of the node running a placed step and a placed execution: it takes nothing new and lets both finish before it exits", async () => {
  const leaving = await node("leaving-1", "leaving_pool");
  try {
    await takingWork("leaving-1");
    const started = await post(gateway.url, "execute_workflow", { workflow_name: "slow_on_leaving_pool", execution_mode: "async", input_data: { ms: 1500 } });
    const id = String(started.body["execution_id"]);
    await eventually(async () => {
      const step = ((await post(gateway.url, "check_execution_status", { execution_id: id })).body["steps"] as Step[] | undefined)?.[0];
      return step?.status === "running" && step.node === "leaving-1" ? true : undefined;
    }, 5000, "crunch running on leaving-1");
    const placed = await post(gateway.url, "execute_workflow", { workflow_name: "ticking", execution_mode: "async", target_instance: "leaving-1", input_data: { ms: 400 } });
    const placedId = String(placed.body["execution_id"]);
    assert.is(placed.body["status"], "running", JSON.stringify(placed.body));
    leaving.child.kill("SIGTERM");
    await eventually(async () => ((await post(gateway.url, "list_nodes", {})).body["nodes"] as { id: string; status: string }[]).some((n) => n.id === "leaving-1" && n.status !== "up") || undefined, 5000, "the node no longer up");
    const final = await eventually(async () => {
      const record = (await post(gateway.url, "check_execution_status", { execution_id: id })).body;
      return ["completed", "failed"].includes(String(record["status"])) ? record : undefined;
    }, 20_000, "the execution ended");
    assert.is(final["status"], "completed", JSON.stringify(final["error"]));
    assert.is((final["steps"] as Step[])[0]!.node, "leaving-1", "it finished where it ran, not killed with its node");
    const ticked = await eventually(async () => {
      const record = (await post(gateway.url, "check_execution_status", { execution_id: placedId })).body;
      return ["completed", "failed", "cancelled"].includes(String(record["status"])) ? record : undefined;
    }, 20_000, "the placed execution ended");
    assert.is(ticked["status"], "completed", JSON.stringify(ticked["error"]));
    assert.is(ticked["node"], "leaving-1", "it ran to its end on the node that was shutting down");
  } finally {
    await leaving.kill("SIGTERM");
  }
  assert.match(leaving.stderr(), "SIGTERM: draining");
});

test.run();
