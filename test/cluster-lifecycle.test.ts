import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "uvu";
import * as assert from "uvu/assert";
import { wfx } from "./helpers/cli.js";
import { eventually, FIXTURES } from "./helpers/engine-fixture.js";
import { post } from "./helpers/gateway-node.js";
import { startNatsServer } from "./helpers/nats-server.js";
import { startServe, type ServeProcess } from "./helpers/serve-process.js";

// A node shows up under its id only once it serves, and an id a live process holds cannot be taken.
const FLOWS = join(FIXTURES, "cluster");
const nats = await startNatsServer();
const dirs: string[] = [];
const nodes: ServeProcess[] = [];

function tempDir(name: string): string {
  const dir = mkdtempSync(join(tmpdir(), `wfx-lifecycle-${name}-`));
  dirs.push(dir);
  return dir;
}

async function node(id: string, args: string[] = []): Promise<ServeProcess> {
  const started = await startServe(tempDir(id), ["--node-id", id, "--nats", nats.url, ...args], {}, "node");
  nodes.push(started);
  return started;
}

const first = await node("life-1");
const port = new URL(first.url).port;

test.after(async () => {
  for (const n of nodes) await n.kill("SIGTERM");
  await nats.close();
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

type Listed = { id: string; status: string };
const listed = async (url: string) => (await post(url, "list_nodes", {})).body["nodes"] as Listed[];

test("lifecycle - a node that cannot bind its port exits non-zero and never shows up in the cluster", async () => {
  const watcher = await node("life-watch");
  const seen: string[] = [];
  const stop = setInterval(() => void listed(watcher.url).then((l) => seen.push(...l.map((n) => n.id)), () => undefined), 20);
  try {
    const result = await wfx(["node", "--node-id", "life-2", "--nats", nats.url, "--port", port, "--no-grpc"], { dataDir: tempDir("life-2"), timeoutMs: 20_000 });
    assert.is(result.code, 2, result.stderr);
    assert.match(result.stderr, "WFX_PORT_IN_USE");
    await new Promise((resolve) => setTimeout(resolve, 300)); // a beat it sent would have arrived by now
  } finally {
    clearInterval(stop);
  }
  assert.not.ok(seen.includes("life-2"), "life-2 never appeared");
});

test("lifecycle - an id a live process holds is refused with WFX_NODE_ID_TAKEN; the holder stays up; a dead holder's id is free", async () => {
  await eventually(async () => ((await listed(first.url)).some((n) => n.id === "life-1" && n.status === "up") ? true : undefined), 10_000, "life-1 up");
  const result = await wfx(["node", "--node-id", "life-1", "--nats", nats.url, "--port", "0", "--no-grpc"], { dataDir: tempDir("life-1-again"), timeoutMs: 20_000 });
  assert.is(result.code, 2, result.stderr);
  assert.match(result.stderr, /node id 'life-1' is in use by another running process[\s\S]*WFX_NODE_ID_TAKEN/);
  assert.match(result.stderr, "--node-id");
  assert.ok((await listed(first.url)).some((n) => n.id === "life-1" && n.status === "up"), "the holder is still up");

  await first.kill("SIGKILL");
  const successor = await node("life-1");
  await eventually(async () => ((await listed(successor.url)).some((n) => n.id === "life-1" && n.status === "up") ? true : undefined), 10_000, "the new life-1 up");
});

test("lifecycle - wfx drain then wfx undrain: the node refuses new executions while drained, takes them again after", async () => {
  const worker = await node("life-drain", ["--workflows", FLOWS]);
  const cli = (command: string) => wfx([command, "life-drain", "--nats", nats.url], { dataDir: tempDir(command), timeoutMs: 20_000 });
  const drained = await cli("drain");
  assert.is(drained.code, 0, drained.stderr);
  assert.match(drained.stdout, "node life-drain is draining");
  const refused = await post(worker.url, "execute_workflow", { workflow_name: "anywhere", input_data: {} });
  assert.is(refused.body["code"], "WFX_SHUTTING_DOWN", JSON.stringify(refused.body));
  assert.is((await fetch(`${worker.url}/ready`)).status, 503);
  const undrained = await cli("undrain");
  assert.is(undrained.code, 0, undrained.stderr);
  assert.match(undrained.stdout, "node life-drain is up: it takes work again");
  assert.is((await fetch(`${worker.url}/ready`)).status, 200);
  const taken = await post(worker.url, "execute_workflow", { workflow_name: "anywhere", input_data: {} });
  assert.is(taken.body["status"], "completed", JSON.stringify(taken.body));
  await eventually(async () => ((await listed(worker.url)).some((n) => n.id === "life-drain" && n.status === "up") ? true : undefined), 10_000, "listed up again");
});

test.run();
