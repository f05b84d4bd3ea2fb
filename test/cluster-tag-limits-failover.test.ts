import { mkdtempSync, rmSync } from "node:fs";
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

// A node holding both places under the gpu limit is SIGKILLed: its leases are not renewed, so they expire, and the
// steps waiting on another node take the places.
const WORKFLOWS = join(FIXTURES, "tag-limits");
const nats = await startNatsServer();
const gate = await startGateServer();
const dir = mkdtempSync(join(tmpdir(), "wfx-tag-limits-kill-"));
const node = (id: string, tags: string) => startServe(join(dir, id), ["--node-id", id, "--nats", nats.url, "--workflows", WORKFLOWS, "--tags", tags], { WFX_CLUSTER_LIMITS: "gpu=2" }, "node");
const [a, victim] = await Promise.all([node("a", "gpu"), node("victim", "gpu,victim")]) as [ServeProcess, ServeProcess];

test.after(async () => {
  await a.kill("SIGTERM");
  await victim.kill("SIGKILL");
  await nats.close();
  await gate.close();
  rmSync(dir, { recursive: true, force: true });
});

const run = (on: ServeProcess, workflow: string, name: string, target: string) => post(on.url, "execute_workflow", { workflow_name: workflow, input_data: { gate: gate.url, name }, execution_mode: "async", target_instance: target });
const status = async (id: unknown) => (await post(a.url, "check_execution_status", { execution_id: id })).body;

test("cluster tag limits - a killed node's places free within the lease and the steps waiting elsewhere start", async () => {
  await eventually(async () => {
    const listed = (await post(a.url, "list_nodes", {})).body["nodes"] as { id: string; status: string }[] | undefined;
    return ["a", "victim"].every((id) => listed?.some((n) => n.id === id && n.status === "up")) ? true : undefined;
  }, 30_000, "both nodes up");
  for (const name of ["v-0", "v-1"]) assert.ok((await run(victim, "victim_gate", name, "victim")).body["execution_id"]);
  await eventually(() => (gate.arrived("v-0") + gate.arrived("v-1") === 2 ? true : undefined), 30_000, "the victim's two steps at the gate");
  const waiting: unknown[] = [];
  for (const name of ["a-0", "a-1", "a-2"]) waiting.push((await run(a, "gpu_gate", name, "a")).body["execution_id"]);
  await eventually(async () => {
    for (const id of waiting) {
      const step = ((await status(id))["steps"] as Step[] | undefined)?.[0];
      if (step?.status !== "pending" || !step.message?.startsWith("waiting for the cluster limit on tag 'gpu'")) return undefined;
    }
    return true;
  }, 30_000, "a's three steps pending under the limit");
  assert.equal(["a-0", "a-1", "a-2"].map((n) => gate.arrived(n)), [0, 0, 0]);
  await victim.kill("SIGKILL");
  await eventually(() => (["a-0", "a-1", "a-2"].filter((n) => gate.arrived(n) > 0).length === 2 ? true : undefined), 90_000, "two of a's steps to take the dead node's places");
  assert.ok(gate.maxHeld() <= 2, `held at once: ${gate.maxHeld()}`);
  for (const name of ["a-0", "a-1", "a-2"]) gate.open(name);
  for (const id of waiting) await eventually(async () => ((await status(id))["status"] === "completed" ? true : undefined), 60_000, `${String(id)} to complete`);
});

test.run();
