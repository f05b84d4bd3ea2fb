import { cpSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "uvu";
import * as assert from "uvu/assert";
import { eventually, FIXTURES } from "./helpers/engine-fixture.js";
import { post } from "./helpers/gateway-node.js";
import { startNatsServer } from "./helpers/nats-server.js";
import { startServe, type ServeProcess } from "./helpers/serve-process.js";

const FLOWS = join(FIXTURES, "cluster");
const nats = await startNatsServer();
const dirs: string[] = [];
const nodes = new Map<string, ServeProcess>();

function tempDir(name: string): string {
  const dir = mkdtempSync(join(tmpdir(), `wfx-failover-${name}-`));
  dirs.push(dir);
  return dir;
}

/** Each node's own copy of the workflow folder, as on machines of their own: an adopter must not need the dead node's. */
const folders = new Map<string, string>();

async function node(id: string, args: string[]): Promise<ServeProcess> {
  const folder = join(tempDir(`${id}-flows`), "flows");
  cpSync(FLOWS, folder, { recursive: true });
  folders.set(id, folder);
  const started = await startServe(tempDir(id), ["--node-id", id, "--workflows", folder, ...args], {}, "node");
  nodes.set(id, started);
  return started;
}

const profile = join(tempDir("profile"), "gateway.yaml");
writeFileSync(profile, `tags: [gateway]\ncapacity: { executions: 0, steps: 0 }\ngateways: { http: { port: 0 } }\nnats: { url: "${nats.url}" }\n`);
const gateway = await node("gw-1", ["--profile", profile]);
await node("gpu-1", ["--nats", nats.url, "--tags", "gpu"]);
await node("gpu-2", ["--nats", nats.url, "--tags", "gpu"]);
await node("cpu-1", ["--nats", nats.url, "--tags", "cpu"]);

test.after(async () => {
  for (const n of nodes.values()) await n.kill("SIGTERM");
  await nats.close();
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

type Body = Record<string, unknown>;
type Event = { seq: number; type: string; step?: string; data?: Body };

async function upNodes(ids: string[]): Promise<void> {
  await eventually(async () => {
    const listed = (await post(gateway.url, "list_nodes", {})).body["nodes"] as { id: string; status: string }[];
    return ids.every((id) => listed.some((n) => n.id === id && n.status === "up")) ? true : undefined;
  }, 10_000, `${ids.join(", ")} up`);
}

async function record(id: string): Promise<Body> {
  return (await post(gateway.url, "check_execution_status", { execution_id: id })).body;
}

async function allEvents(id: string): Promise<Event[]> {
  return (await post(gateway.url, "watch_execution", { execution_id: id, after_seq: 0, wait: 0, max_events: 1000 })).body["events"] as Event[];
}

test("cluster failover - SIGKILL of the node running an execution: another node its placement fits adopts it and finishes it; completed steps are not run again", async () => {
  await upNodes(["gpu-1", "gpu-2", "cpu-1"]);
  const started = await post(gateway.url, "execute_workflow", { workflow_name: "durable", input_data: { ms: 400 }, execution_mode: "async" });
  const id = String(started.body["execution_id"]);
  const owner = String((await eventually(async () => {
    const r = await record(id);
    return (r["steps"] as Body[])[0]!["status"] === "completed" ? r : undefined;
  }, 10_000, "the first step completed"))["node"]);
  assert.ok(["gpu-1", "gpu-2"].includes(owner), `runs on ${owner}`);
  const firstPid = ((await record(id))["steps"] as Body[])[0]!["output"] as { pid: number };
  await nodes.get(owner)!.kill("SIGKILL");
  // Its machine is gone with it: the adopter runs the workflow (and imports its function module) from its own folder.
  rmSync(folders.get(owner)!, { recursive: true, force: true });
  const final = await eventually(async () => {
    const r = await record(id);
    return r["status"] === "completed" ? r : undefined;
  }, 20_000, "completed after the adoption");
  const adopter = owner === "gpu-1" ? "gpu-2" : "gpu-1";
  assert.is(final["node"], adopter, "adopted by the other gpu node, never by the cpu or gateway node");
  const steps = final["steps"] as Body[];
  assert.equal(steps[0]!["output"], firstPid, "the step that had completed kept its output and did not run again");
  const events = await allEvents(id);
  assert.equal(events.map((e) => e.seq), Array.from({ length: events.length }, (_, i) => i + 1), "one gapless sequence across the two owners");
  const resumed = events.find((e) => e.type === "execution.resumed");
  assert.ok(resumed !== undefined, "an execution.resumed event");
  assert.equal((resumed!.data!["completed"] as string[]).includes("a"), true);
  assert.is(events.filter((e) => e.type === "step.completed" && e.step === "a").length, 1);
});

test("cluster failover - a nats-server restart mid-run leaves the cluster working: the running execution completes and new ones run", async () => {
  await upNodes(["gpu-1", "gpu-2"].filter((id) => nodes.get(id)!.child.exitCode === null && nodes.get(id)!.child.signalCode === null));
  const started = await post(gateway.url, "execute_workflow", { workflow_name: "durable", input_data: { ms: 300 }, execution_mode: "async" });
  const id = String(started.body["execution_id"]);
  await eventually(async () => ((await record(id))["status"] === "running" ? true : undefined), 10_000, "running");
  await nats.stop();
  await nats.start();
  const final = await eventually(async () => {
    const r = await post(gateway.url, "check_execution_status", { execution_id: id }).catch(() => undefined);
    return r?.body["status"] === "completed" ? r.body : undefined;
  }, 30_000, "completed after the restart");
  assert.is((final["steps"] as Body[]).filter((s) => s["status"] === "completed").length, 4);
  const after = await eventually(async () => {
    const answer = await post(gateway.url, "execute_workflow", { workflow_name: "durable", input_data: { ms: 10 } });
    return answer.body["status"] === "completed" ? answer.body : undefined;
  }, 20_000, "a new execution after the restart");
  assert.is((after["steps"] as Body[]).length, 4);
});

test.run();
