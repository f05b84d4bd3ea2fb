import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "uvu";
import * as assert from "uvu/assert";
import { eventually, FIXTURES } from "./helpers/engine-fixture.js";
import { startGateServer } from "./helpers/gate-server.js";
import { post } from "./helpers/gateway-node.js";
import { startNatsServer } from "./helpers/nats-server.js";
import { startServe, type ServeProcess } from "./helpers/serve-process.js";

type Step = { id: string; status: string; message?: string };

// Three nodes carrying tag gpu under a cluster limit of 2 (one from its profile, two from WFX_CLUSTER_LIMITS): eight
// executions, each with one gpu step held at the gate, never have more than two steps running in the whole cluster.
const WORKFLOWS = join(FIXTURES, "tag-limits");
const nats = await startNatsServer();
const gate = await startGateServer();
const dir = mkdtempSync(join(tmpdir(), "wfx-tag-limits-"));
const profile = join(dir, "gpu.yaml");
writeFileSync(profile, `tags: [gpu]\nlimits: { gpu: 2 }\ngateways: { http: { port: 0 } }\nnats: { url: "${nats.url}" }\n`);
const nodes: ServeProcess[] = [
  await startServe(join(dir, "n1"), ["--node-id", "n1", "--profile", profile, "--workflows", WORKFLOWS], {}, "node"),
  ...(await Promise.all(["n2", "n3"].map((id) => startServe(join(dir, id), ["--node-id", id, "--nats", nats.url, "--workflows", WORKFLOWS, "--tags", "gpu"], { WFX_CLUSTER_LIMITS: "gpu=2" }, "node")))),
];

test.after(async () => {
  for (const n of nodes) await n.kill("SIGTERM");
  await nats.close();
  await gate.close();
  rmSync(dir, { recursive: true, force: true });
});

const status = async (node: ServeProcess, id: unknown) => (await post(node.url, "check_execution_status", { execution_id: id })).body;
/** Waits until the node's /metrics shows `running` and `waiting` gpu steps, cluster-wide. */
const tagSteps = (node: ServeProcess, running: number, waiting: number) =>
  eventually(async () => {
    const metrics = await (await fetch(`${node.url}/metrics`)).text();
    return metrics.includes(`wfx_tag_limit_steps{state="running",tag="gpu"} ${running}\n`) && metrics.includes(`wfx_tag_limit_steps{state="waiting",tag="gpu"} ${waiting}\n`) ? true : undefined;
  }, 30_000, `/metrics of ${node.url} to show ${running} running and ${waiting} waiting`);
const heldNow = (opened: Set<string>) => gate.names().filter((n) => !opened.has(n));

test("cluster tag limits - at most 2 gpu steps run cluster-wide; the others wait pending with the limit's message; all complete", async () => {
  await eventually(async () => {
    const listed = (await post(nodes[0]!.url, "list_nodes", {})).body["nodes"] as { id: string; status: string }[] | undefined;
    return ["n1", "n2", "n3"].every((id) => listed?.some((n) => n.id === id && n.status === "up")) ? true : undefined;
  }, 30_000, "three nodes up");
  const started: { node: ServeProcess; id: unknown; name: string }[] = [];
  for (let i = 0; i < 8; i++) {
    const node = nodes[i % 3]!;
    const name = `job-${i}`;
    const answer = (await post(node.url, "execute_workflow", { workflow_name: "gpu_gate", input_data: { gate: gate.url, name }, execution_mode: "async" })).body;
    assert.ok(answer["execution_id"], JSON.stringify(answer));
    started.push({ node, id: answer["execution_id"], name });
  }
  await eventually(() => (gate.names().length >= 2 ? true : undefined), 30_000, "two steps at the gate");
  // Every step not at the gate says why it waits.
  await eventually(async () => {
    for (const s of started.filter((s) => gate.arrived(s.name) === 0)) {
      const step = ((await status(s.node, s.id))["steps"] as Step[] | undefined)?.[0];
      if (step?.status !== "pending" || !step.message?.startsWith("waiting for the cluster limit on tag 'gpu' (2 of 2 running")) return undefined;
    }
    return true;
  }, 30_000, "the six others pending with the limit's message");
  assert.is(gate.names().length, 2, `only two at the gate: ${gate.names().join(" ")}`);
  await tagSteps(nodes[2]!, 2, 6);
  // Let them through one at a time: each that ends frees a place for the next.
  const opened = new Set<string>();
  while (opened.size < 8) {
    const next = await eventually(() => heldNow(opened)[0], 30_000, `a step at the gate after ${opened.size} opened`);
    assert.ok(heldNow(opened).length <= 2, `held: ${heldNow(opened).join(" ")}`);
    opened.add(next);
    gate.open(next);
  }
  for (const s of started) {
    const record = await eventually(async () => {
      const r = await status(s.node, s.id);
      return r["status"] === "completed" ? r : undefined;
    }, 30_000, `${s.name} to complete`);
    assert.is((record["steps"] as Step[])[0]!.status, "completed");
  }
  assert.is(gate.maxHeld(), 2, "never more than two gpu steps at the gate at once");
  await tagSteps(nodes[1]!, 0, 0);
});

test.run();
