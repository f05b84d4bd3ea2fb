import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { connect } from "@nats-io/transport-node";
import { test } from "uvu";
import * as assert from "uvu/assert";
import { eventually } from "./helpers/engine-fixture.js";
import { post } from "./helpers/gateway-node.js";
import { startNatsServer, type NatsServer } from "./helpers/nats-server.js";
import { startServe, type ServeProcess } from "./helpers/serve-process.js";
import { wfx } from "./helpers/cli.js";

const nats: NatsServer = await startNatsServer();
const dirs: string[] = [];
const nodes: ServeProcess[] = [];

async function node(id: string, tags: string, extraEnv: Record<string, string> = {}): Promise<ServeProcess> {
  const dataDir = mkdtempSync(join(tmpdir(), `wfx-node-${id}-`));
  dirs.push(dataDir);
  const started = await startServe(dataDir, ["--nats", extraEnv["NATS"] ?? nats.url, "--node-id", id, "--tags", tags], {}, "node");
  nodes.push(started);
  return started;
}

interface Listed {
  id: string;
  tags: string[];
  status: string;
}

async function listed(via: ServeProcess): Promise<Listed[]> {
  return (await post(via.url, "list_nodes", {})).body["nodes"] as Listed[];
}

const gateway = await node("gateway-1", "gateway");
const gpu = await node("gpu-1", "gpu");
const eu = await node("eu-1", "eu,high-memory");

test.after(async () => {
  for (const n of nodes) await n.kill("SIGTERM");
  await nats.close();
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

test("cluster registry - three wfx node processes joined over NATS each list all three with their tags", async () => {
  for (const via of [gateway, gpu, eu]) {
    const nodesSeen = await eventually(async () => {
      const all = await listed(via);
      return all.length === 3 && all.every((n) => n.status === "up") ? all : undefined;
    }, 5000, "three nodes up");
    assert.equal(nodesSeen.map((n) => [n.id, n.tags]), [["eu-1", ["eu", "high-memory"]], ["gateway-1", ["gateway"]], ["gpu-1", ["gpu"]]]);
  }
});

test("cluster registry - $SRV.INFO is answered by every node with its tags (NATS service discovery, ADR-32)", async () => {
  const nc = await connect({ servers: nats.url });
  try {
    const answers: Record<string, unknown>[] = [];
    for await (const msg of await nc.requestMany("$SRV.INFO.wfx", undefined, { maxWait: 1000 })) answers.push(msg.json());
    const byId = Object.fromEntries(answers.map((a) => [a["id"], a]));
    assert.equal(Object.keys(byId).sort(), ["eu-1", "gateway-1", "gpu-1"]);
    const info = byId["gpu-1"] as { type: string; name: string; version: string; metadata: Record<string, string>; endpoints: { subject: string }[] };
    assert.equal([info.type, info.name, info.metadata["tags"]], ["io.nats.micro.v1.info_response", "wfx", "gpu"]);
    assert.match(info.version, /^\d+\.\d+\.\d+/);
    const live = (await nc.request(info.endpoints[0]!.subject, undefined, { timeout: 1000 })).json<{ id: string; tags: string[] }>();
    assert.equal([live.id, live.tags], ["gpu-1", ["gpu"]]);
    const pings: unknown[] = [];
    for await (const msg of await nc.requestMany("$SRV.PING", undefined, { maxWait: 1000 })) pings.push(msg.json());
    assert.is(pings.length, 3);
  } finally {
    await nc.close();
  }
});

test("cluster registry - wfx nodes prints the cluster as a table and as JSON", async () => {
  const table = await wfx(["nodes", "--nats", nats.url], { dataDir: dirs[0]! });
  assert.is(table.code, 0, table.stderr);
  for (const id of ["gateway-1", "gpu-1", "eu-1"]) assert.match(table.stdout, id);
  assert.match(table.stdout, /gpu-1\s+up\s+gpu/);
  const json = await wfx(["nodes", "--json"], { dataDir: dirs[0]!, env: { WFX_NATS_URL: nats.url } });
  assert.equal((JSON.parse(json.stdout) as { nodes: Listed[] }).nodes.map((n) => n.id), ["eu-1", "gateway-1", "gpu-1"]);
});

test("cluster registry - a SIGKILLed node is seen down once its beats stop; a node that leaves says so itself", async () => {
  const doomed = await node("doomed-1", "gpu");
  await eventually(async () => ((await listed(gateway)).some((n) => n.id === "doomed-1" && n.status === "up") ? true : undefined), 5000, "doomed up");
  await doomed.kill("SIGKILL");
  await eventually(async () => ((await listed(gateway)).some((n) => n.id === "doomed-1" && n.status === "down") ? true : undefined), 10_000, "doomed down");
  // An observer that would wait 100 minutes of missed beats: a node it sees down told it so on leaving.
  const dir = mkdtempSync(join(tmpdir(), "wfx-observer-"));
  dirs.push(dir);
  writeFileSync(join(dir, "observer.yaml"), `id: patient-1\ntags: [observer]\ngateways: { http: { port: 0 } }\nnats: { url: ${nats.url} }\nheartbeat: { interval_ms: 60000, missed_beats_down: 100 }\n`);
  const observer = await startServe(dir, ["--profile", join(dir, "observer.yaml")], {}, "node");
  nodes.push(observer);
  try {
    const leaving = await node("leaving-1", "eu");
    await eventually(async () => ((await listed(observer)).some((n) => n.id === "leaving-1" && n.status === "up") ? true : undefined), 5000, "leaving up");
    await leaving.kill("SIGTERM");
    await eventually(async () => ((await listed(observer)).some((n) => n.id === "leaving-1" && n.status === "down") ? true : undefined), 5000, "leaving down");
  } finally {
    await observer.kill("SIGTERM");
  }
});

test("cluster registry - wfx node --profile joins with the profile's id, tags and NATS; WFX_NODE_TAGS goes over the file", async () => {
  const dir = mkdtempSync(join(tmpdir(), "wfx-profile-"));
  dirs.push(dir);
  const profile = join(dir, "gpu-worker.yaml");
  writeFileSync(profile, `id: profiled-gpu\ntags: [gpu, gpu_workflow_executor]\nresources: { gpu: 2 }\ncapacity: { executions: 4, steps: 2 }\ngateways: { http: { port: 0 } }\nnats: { url: ${nats.url} }\n`);
  const profiled = await startServe(dir, ["--profile", profile], {}, "node");
  nodes.push(profiled);
  const seen = await eventually(async () => (await listed(gateway)).find((n) => n.id === "profiled-gpu" && n.status === "up"), 5000, "profiled node up");
  assert.equal(seen.tags, ["gpu", "gpu_workflow_executor"]);
  await profiled.kill("SIGTERM");
  const overridden = await startServe(dir, ["--profile", profile], { WFX_NODE_TAGS: "eu" }, "node");
  nodes.push(overridden);
  const again = await eventually(async () => (await listed(gateway)).find((n) => n.id === "profiled-gpu" && n.status === "up"), 5000, "profiled node up again");
  assert.equal(again.tags, ["eu"]);
  await overridden.kill("SIGTERM");
});

test("cluster registry - NATS unreachable at start: /ready says why; once NATS comes up the node joins", async () => {
  const late = await startNatsServer();
  await late.stop();
  const waiting = await node("late-1", "gpu", { NATS: late.url });
  const notReady = await fetch(`${waiting.url}/ready`);
  const body = (await notReady.json()) as { reason: string };
  assert.is(notReady.status, 503);
  assert.match(body.reason, late.url.replace("nats://", ""));
  await eventually(() => (/unreachable/.test(waiting.stderr()) ? true : undefined), 5000, "the log names the failure");
  assert.match(waiting.stderr(), late.url.replace("nats://", ""));
  await late.start();
  await eventually(async () => ((await fetch(`${waiting.url}/ready`)).status === 200 ? true : undefined), 10_000, "ready once NATS is up");
  await waiting.kill("SIGTERM");
  await late.close();
});

test("cluster registry - nats-server restarted: the nodes reconnect and see each other again", async () => {
  await nats.stop();
  await eventually(async () => ((await fetch(`${gateway.url}/ready`)).status === 503 ? true : undefined), 5000, "not ready while NATS is down");
  await nats.start();
  await eventually(async () => ((await fetch(`${gateway.url}/ready`)).status === 200 ? true : undefined), 15_000, "ready again");
  const all = await eventually(async () => {
    const seen = await listed(gpu);
    return ["eu-1", "gateway-1", "gpu-1"].every((id) => seen.some((n) => n.id === id && n.status === "up")) ? seen : undefined;
  }, 10_000, "all up again");
  assert.ok(all.length >= 3);
});

test.run();
