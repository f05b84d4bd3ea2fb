import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "uvu";
import * as assert from "uvu/assert";
import { eventually } from "./helpers/engine-fixture.js";
import { startGateServer } from "./helpers/gate-server.js";
import { post } from "./helpers/gateway-node.js";
import { startNatsServer } from "./helpers/nats-server.js";
import { QUEUE_WORKFLOWS } from "./helpers/queue-node.js";
import { startServe, type ServeProcess } from "./helpers/serve-process.js";

type Msg = Record<string, unknown>;

// Two workers of capacity 1 behind a gateway node: one dies for good with executions queued on it, and the other
// takes them up from the cluster store once it sees it down.
const nats = await startNatsServer();
const gate = await startGateServer();
const dir = mkdtempSync(join(tmpdir(), "wfx-queue-takeover-"));
const profile = join(dir, "gateway.yaml");
writeFileSync(profile, `tags: [gateway]\ncapacity: { executions: 0, steps: 0 }\ngateways: { http: { port: 0 } }\nnats: { url: "${nats.url}" }\n`);
const gateway = await startServe(join(dir, "gateway"), ["--node-id", "gw-1", "--profile", profile, "--workflows", QUEUE_WORKFLOWS], {}, "node");
const worker = (id: string) => startServe(join(dir, id), ["--node-id", id, "--nats", nats.url, "--workflows", QUEUE_WORKFLOWS, "--max-concurrent", "1", "--tags", "pool"], {}, "node");
const workers: ServeProcess[] = [await worker("worker-1"), await worker("worker-2")];

test.after(async () => {
  for (const w of workers) await w.kill("SIGTERM");
  await gateway.kill("SIGTERM");
  await nats.close();
  await gate.close();
  rmSync(dir, { recursive: true, force: true });
});

const run = (input: Msg, extra: Msg = {}) => post(gateway.url, "execute_workflow", { workflow_name: "work", input_data: input, execution_mode: "async", ...extra });
const status = async (id: unknown) => (await post(gateway.url, "check_execution_status", { execution_id: id })).body;

test("cluster queue - a worker that dies for good leaves its queued executions to another that fits: all complete", async () => {
  await eventually(async () => {
    const listed = (await post(gateway.url, "list_nodes", {})).body["nodes"] as { id: string; status: string }[] | undefined;
    return ["worker-1", "worker-2"].every((id) => listed?.some((n) => n.id === id && n.status === "up")) ? true : undefined;
  }, 30_000, "both workers up");
  for (const id of ["worker-1", "worker-2"]) assert.is((await run({ gate: gate.url, name: "held" }, { target_instance: id })).body["status"], "running");
  await eventually(() => (gate.arrived("held") === 2 ? true : undefined), 20_000, "both workers' slots to be held");
  // The gateway places by what it has heard: both full in its view, so neither looks like the only one with room.
  await eventually(async () => {
    const listed = (await post(gateway.url, "list_nodes", {})).body["nodes"] as { id: string; load?: number }[] | undefined;
    return ["worker-1", "worker-2"].every((id) => (listed?.find((n) => n.id === id)?.load ?? 0) >= 1) ? true : undefined;
  }, 20_000, "the gateway to see both workers full");
  // Queued where placement sends them (both full: either); enough that worker-1 holds some.
  const queued: Msg[] = [];
  while (queued.filter((q) => q["node"] === "worker-1").length < 3) {
    const answer = (await run({ tag: "q" }, { target_tags: ["pool"] })).body;
    assert.is(answer["status"], "queued", JSON.stringify(answer));
    queued.push(answer);
    assert.ok(queued.length < 40, `placement never chose worker-1: ${queued.map((q) => String(q["node"])).join(" ")}`);
  }
  await workers[0]!.kill("SIGKILL");
  gate.open("held");
  for (const q of queued) {
    const record = await eventually(async () => {
      const r = await status(q["execution_id"]);
      return r["status"] === "completed" ? r : undefined;
    }, 60_000, `${String(q["execution_id"])} (queued on ${String(q["node"])}) to complete`);
    assert.is(record["node"], "worker-2");
  }
});

test.run();
