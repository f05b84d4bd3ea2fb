import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { jetstream } from "@nats-io/jetstream";
import { Kvm } from "@nats-io/kv";
import { connect } from "@nats-io/transport-node";
import { test } from "uvu";
import * as assert from "uvu/assert";
import { cutProxy } from "./helpers/cut-proxy.js";
import { eventually } from "./helpers/engine-fixture.js";
import { post } from "./helpers/gateway-node.js";
import { startNatsServer } from "./helpers/nats-server.js";
import { startServe, type ServeProcess } from "./helpers/serve-process.js";

// A placed step ends while its supervisor is cut off from NATS, so its end is lost; then the node that ran it is
// SIGKILLed. The supervisor, back on NATS, finds the outcome that node kept in JetStream: the step is not run again.
const nats = await startNatsServer();
const proxy = await cutProxy(nats.port);
const dirs: string[] = [];
const tempDir = (name: string) => {
  const dir = mkdtempSync(join(tmpdir(), `wfx-outcome-kept-${name}-`));
  dirs.push(dir);
  return dir;
};
const flows = tempDir("flows");
const marks = tempDir("marks");
writeFileSync(join(flows, "steps.mjs"), `import { appendFileSync, existsSync } from "node:fs";
import { setTimeout as sleep } from "node:timers/promises";
/** Notes its start, waits for a go file, notes its end: the ledger says how often it ran. */
export async function gated(input, { signal }) {
  appendFileSync(input.dir + "/ledger", "start\\n");
  while (!existsSync(input.dir + "/go")) await sleep(20, undefined, { signal });
  appendFileSync(input.dir + "/ledger", "end\\n");
  return { ran: "far" };
}
`);
writeFileSync(join(flows, "flow.yaml"), `workflows:
  far_once:
    steps:
      - { id: far, function: ./steps.mjs#gated, input: "\${input}", placement: { tags: [far] }, retry: { max: 3, backoff_ms: 100 } }
`);

const nodes: ServeProcess[] = [];
async function node(id: string, url: string, tags: string[]): Promise<ServeProcess> {
  const started = await startServe(tempDir(id), ["--node-id", id, "--nats", url, "--workflows", flows, ...(tags.length > 0 ? ["--tags", tags.join(",")] : [])], {}, "node");
  nodes.push(started);
  return started;
}
const home = await node("home-1", proxy.url, []);
const far = await node("far-1", nats.url, ["far"]);

test.after(async () => {
  for (const n of nodes) await n.kill("SIGTERM");
  await proxy.close();
  await nats.close();
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

const ledger = () => (existsSync(join(marks, "ledger")) ? readFileSync(join(marks, "ledger"), "utf8").trim().split("\n") : []);

test("a placed step's outcome kept in JetStream reaches a supervisor that missed its end after its node died: not run again", async () => {
  await eventually(async () => {
    const listed = (await post(home.url, "list_nodes", {})).body["nodes"] as { id: string; status: string }[] | undefined;
    return listed?.some((n) => n.id === "far-1" && n.status === "up") ? true : undefined;
  }, 20_000, "far-1 seen up by home-1");
  const started = await post(home.url, "execute_workflow", { workflow_name: "far_once", input_data: { dir: marks }, execution_mode: "async" });
  const id = String(started.body["execution_id"]);
  await eventually(() => (ledger().includes("start") ? true : undefined), 20_000, "the placed step to start on far-1");

  // The supervisor is cut off; the step ends meanwhile and far-1 keeps its outcome.
  proxy.block();
  writeFileSync(join(marks, "go"), "");
  await eventually(() => (ledger().includes("end") ? true : undefined), 20_000, "the step to end");
  const nc = await connect({ servers: nats.url });
  const kv = await new Kvm(jetstream(nc)).open("wfx-step-outcomes");
  await eventually(async () => {
    const keys = await kv.keys();
    for await (const _ of keys) return true;
    return undefined;
  }, 20_000, "far-1 to keep the outcome in JetStream");
  await nc.close();
  await far.kill("SIGKILL");
  proxy.unblock();

  const record = await eventually(async () => {
    const status = (await post(home.url, "check_execution_status", { execution_id: id })).body;
    return ["completed", "failed", "cancelled"].includes(String(status["status"])) ? status : undefined;
  }, 30_000, "the execution to end");
  assert.is(record["status"], "completed", JSON.stringify(record));
  assert.equal(ledger(), ["start", "end"], "the step ran once");
  const events = (await post(home.url, "watch_execution", { execution_id: id, after_seq: 0, wait: 0 })).body["events"] as { type: string }[];
  assert.not.ok(events.some((e) => e.type === "step.retrying"), `no retry: ${events.map((e) => e.type).join(" ")}`);
});

test.run();
