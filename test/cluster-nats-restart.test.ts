import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "uvu";
import * as assert from "uvu/assert";
import { eventually } from "./helpers/engine-fixture.js";
import { post } from "./helpers/gateway-node.js";
import { startNatsServer } from "./helpers/nats-server.js";
import { startServe, type ServeProcess } from "./helpers/serve-process.js";

// nats-server crashes and comes back while a placed step runs: the step ends during the outage, its end is lost with
// the connection, and the supervisor still learns it once NATS is back.
const nats = await startNatsServer();
const dirs: string[] = [];
const nodes: ServeProcess[] = [];

function tempDir(name: string): string {
  const dir = mkdtempSync(join(tmpdir(), `wfx-nats-restart-${name}-`));
  dirs.push(dir);
  return dir;
}

const markers = tempDir("markers");
const flows = tempDir("flows");
writeFileSync(join(flows, "steps.mjs"), `import { writeFileSync, existsSync } from "node:fs";
import { setTimeout as sleep } from "node:timers/promises";
/** Says it started, waits until told to finish (a file appears), then says it ended and answers. */
export async function gated(input, { signal }) {
  writeFileSync(input.dir + "/" + input.name + ".started", String(process.pid));
  while (!existsSync(input.dir + "/" + input.name + ".go")) await sleep(20, undefined, { signal });
  writeFileSync(input.dir + "/" + input.name + ".ended", String(process.pid));
  return { ran: input.name, pid: process.pid };
}
export const where = () => ({ pid: process.pid });
`);
writeFileSync(join(flows, "flow.yaml"), `workflows:
  placed_then_local:
    steps:
      - { id: far, function: ./steps.mjs#gated, input: "\${input}", placement: { tags: [far] } }
      - { id: after, function: ./steps.mjs#gated, input: { dir: "\${input.dir}", name: "\${input.name}-after" } }
  on_only:
    steps:
      - { id: only, function: ./steps.mjs#where, placement: { tags: [only] } }
  on_spare:
    steps:
      - { id: spare, function: ./steps.mjs#where, placement: { tags: [spare], prefer: [first] } }
`);

async function node(id: string, tags: string[], dataDir = tempDir(`${id}-data`)): Promise<ServeProcess> {
  const started = await startServe(dataDir, ["--node-id", id, "--nats", nats.url, "--workflows", flows, ...(tags.length > 0 ? ["--tags", tags.join(",")] : [])], {}, "node");
  nodes.push(started);
  return started;
}

const home = await node("home-1", []);
await node("far-1", ["far"]);
const spare1 = await node("spare-1", ["spare", "first"]);
const onlyData = tempDir("only-1-data");
const only1 = await node("only-1", ["only"], onlyData);
await node("spare-2", ["spare"]);

test.after(async () => {
  for (const n of nodes) await n.kill("SIGTERM");
  await nats.close();
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

/** The nodes a test needs, up (the node-lost test kills spare-1 for good). */
async function allUp(ids: string[]): Promise<void> {
  await eventually(async () => {
    const listed = (await post(home.url, "list_nodes", {})).body["nodes"] as { id: string; status: string }[];
    return ids.every((id) => listed.some((n) => n.id === id && n.status === "up")) ? true : undefined;
  }, 20_000, `${ids.join(", ")} up`);
}

const gate = (name: string, what: "started" | "go" | "ended") => join(markers, `${name}.${what}`);

// First: right after a NATS restart a node's "no responders" proves nothing until its beat is heard again.
test("node lost before it is seen dead - a step sent to it never started, so it is placed again at once elsewhere without spending a retry", async () => {
  await allUp(["home-1", "spare-1", "spare-2"]);
  await spare1.kill("SIGKILL");
  const { body } = await post(home.url, "execute_workflow", { workflow_name: "on_spare" });
  assert.is(body["status"], "completed", JSON.stringify(body));
  const step = (body["steps"] as { node?: string; attempts?: number }[])[0]!;
  assert.equal([step.node, step.attempts], ["spare-2", 1]);
});

// Before the NATS restart below: right after one, a "no responders" proves nothing until the node's beat is heard again.
test("the only node that fits, killed and started again under its id as a step is sent to it: the step runs there once it is back", async () => {
  await allUp(["home-1", "only-1"]);
  await only1.kill("SIGKILL");
  const sent = post(home.url, "execute_workflow", { workflow_name: "on_only" });
  const again = await node("only-1", ["only"], onlyData);
  const { body } = await sent;
  assert.is(body["status"], "completed", JSON.stringify(body));
  const step = (body["steps"] as { node?: string; attempts?: number; output?: { pid: number } }[])[0]!;
  assert.equal([step.node, step.output?.pid], ["only-1", again.child.pid]);
});

test("nats restart - a placed step that ends while nats-server is down still completes its execution once NATS is back", async () => {
  await allUp(["home-1", "far-1"]);
  mkdirSync(markers, { recursive: true });
  const started = (await post(home.url, "execute_workflow", { workflow_name: "placed_then_local", input_data: { dir: markers, name: "a" }, execution_mode: "async" })).body;
  const id = String(started["execution_id"]);
  await eventually(async () => (existsSync(gate("a", "started")) ? true : undefined), 15_000, "the placed step started");
  await nats.stop("SIGKILL");
  writeFileSync(gate("a", "go"), "");
  await eventually(async () => (existsSync(gate("a", "ended")) ? true : undefined), 10_000, "the placed step ended during the outage");
  await nats.start();
  writeFileSync(gate("a-after", "go"), "");
  const final = await eventually(async () => {
    const body = (await post(home.url, "check_execution_status", { execution_id: id })).body;
    return body["status"] === "completed" ? body : undefined;
  }, 30_000, "the execution completed after NATS came back");
  const steps = final["steps"] as { id: string; node?: string; attempts?: number; output?: { ran: string } }[];
  assert.equal(steps.map((s) => [s.id, s.node, s.output?.ran]), [["far", "far-1", "a"], ["after", "home-1", "a-after"]]);
  assert.is(steps[0]!.attempts ?? 1, 1, "the placed step ran once");
});

test.run();
