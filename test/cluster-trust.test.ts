import { createHash } from "node:crypto";
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { serialize } from "node:v8";
import { connect, type Msg } from "@nats-io/transport-node";
import { jetstream } from "@nats-io/jetstream";
import { Kvm } from "@nats-io/kv";
import { test } from "uvu";
import * as assert from "uvu/assert";
import { remoteParentAddress } from "../src/actors/remote-spawn.js";
import { systemEndpoint } from "../src/actors/system-messages.js";
import { actorSubject, cancelSubject, drainSubject, startSubject, SUBJECTS } from "../src/cluster/index.js";
import { CLUSTER_STORE, liveSubject } from "../src/cluster/subjects.js";
import { eventually, FIXTURES } from "./helpers/engine-fixture.js";
import { post } from "./helpers/gateway-node.js";
import { startNatsServer } from "./helpers/nats-server.js";
import { startServe, type ServeProcess } from "./helpers/serve-process.js";
import { wfx } from "./helpers/cli.js";
import { testWire } from "./helpers/cluster-key.js";

const FLOWS = join(FIXTURES, "cluster");
const nats = await startNatsServer();
const work = mkdtempSync(join(tmpdir(), "wfx-trust-"));
const nodes: ServeProcess[] = [];

async function node(id: string, tags: string): Promise<ServeProcess> {
  const started = await startServe(join(work, id), ["--nats", nats.url, "--node-id", id, "--tags", tags, "--workflows", FLOWS], { WFX_PLACEMENT_TIMEOUT_S: "5" }, "node");
  nodes.push(started);
  return started;
}

const a = await node("trust-a", "eu");
const b = await node("trust-b", "gpu");
/** An attacker: the account's NATS credentials (none are needed here), but not the cluster key. */
const attacker = await connect({ servers: nats.url });

test.after(async () => {
  await attacker.close();
  for (const n of nodes) await n.kill("SIGTERM");
  await nats.close();
  rmSync(work, { recursive: true, force: true });
});

const listed = async (url: string) => (await post(url, "list_nodes", {})).body["nodes"] as { id: string; status: string; tags: string[] }[];

async function bothUp(): Promise<void> {
  await eventually(async () => ((await listed(a.url)).filter((n) => n.status === "up").length === 2 ? true : undefined), 8000, "both nodes up");
}

/** The node's count of refused cluster messages, by reason, from its /metrics. */
async function rejected(url: string): Promise<Record<string, number>> {
  const text = await (await fetch(`${url}/metrics`)).text();
  return Object.fromEntries([...text.matchAll(/^wfx_cluster_rejected_total\{reason="([a-z_]+)"\} (\d+)/gm)].map((m) => [m[1]!, Number(m[2])]));
}

/** An operator-origin workflow whose one step starts /bin/sh: what a forged order would make a node run. */
function shellWorkflow(marker: string) {
  return {
    tools: [{ id: "sh", type: "mcpremote", command: "/bin/sh", args: ["-c", `echo pwned > ${marker}`] }],
    workflows: { pwn: { steps: [{ id: "x", tool: "sh", args: { method: "tools/list" } }] } },
  };
}

function startOrder(marker: string, executionId: string) {
  return { executionId, workflowName: "pwn", fileJson: JSON.stringify(shellWorkflow(marker)), origin: "operator", fileName: "pwn.yaml", mode: "async", placedBy: "evil" };
}

test("cluster trust - a NATS client without the cluster key commands nothing: start, step spawn, heartbeat, cancel, drain are refused and counted", async () => {
  await bothUp();
  const before = (await rejected(b.url))["unsigned"] ?? 0;
  const marker = join(work, "forged-start");
  await attacker.request(startSubject("trust-b"), JSON.stringify(startOrder(marker, "forged-start-1")), { timeout: 500 }).catch(() => undefined);
  // The forged step spawn: a kernel spawn message of kind wfx.step, as another node's supervisor would send it.
  const stepMarker = join(work, "forged-step");
  const parent = "wfx://evil/sup";
  const file = JSON.stringify(shellWorkflow(stepMarker));
  const order = { executionId: "forged-step-1", stepId: "x", slot: 0, action: { kind: "tool", toolId: "sh" }, input: { method: "tools/list" }, attempt: 1, workflow: { fileJson: file, hash: createHash("sha256").update(file).digest("hex"), workflowName: "pwn", origin: "operator" } };
  const spawn = { t: "spawn", parent, child: `${remoteParentAddress("trust-b", parent)}/x`, uid: "u1", kind: "wfx.step", spec: { order }, options: { supervision: undefined, mailboxCapacity: undefined } };
  attacker.publish(actorSubject("trust-b"), serialize({ address: systemEndpoint("trust-b"), message: spawn }));
  // A fake node with the tags placement wants, a cancel of a run and a drain.
  const evil = { id: "evil", tags: ["gpu", "eu"], capacity: 64, load: 0, gateways: [], version: "0.1.0", started_at: Date.now() / 1000, status: "up" };
  for (let i = 0; i < 3; i++) attacker.publish(SUBJECTS.beat, JSON.stringify(evil));
  const running = await post(a.url, "execute_workflow", { workflow_name: "slow_gpu", input_data: { ms: 1500 }, execution_mode: "async" });
  const id = running.body["execution_id"] as string;
  await attacker.request(cancelSubject("trust-b"), JSON.stringify({ executionId: id, reason: "forged" }), { timeout: 500 }).catch(() => undefined);
  await attacker.request(drainSubject("trust-b"), undefined, { timeout: 500 }).catch(() => undefined);
  await attacker.flush();

  const done = await eventually(async () => {
    const status = (await post(a.url, "check_execution_status", { execution_id: id })).body;
    return status["status"] === "running" || status["status"] === "pending" ? undefined : status;
  }, 10_000, "the run to end");
  assert.is(done["status"], "completed", "the forged cancel did not stop the run");
  assert.not.ok(existsSync(marker), "the forged start order ran nothing");
  assert.not.ok(existsSync(stepMarker), "the forged step spawn ran nothing");
  assert.not.ok((await listed(a.url)).some((n) => n.id === "evil"), "the forged heartbeat never entered the registry");
  assert.ok((await listed(a.url)).find((n) => n.id === "trust-b")?.status === "up", "the forged drain did not drain trust-b");
  const table = await wfx(["nodes", "--nats", nats.url], { dataDir: join(work, "cli") });
  assert.not.match(table.stdout, /evil/);
  const counted = (await rejected(b.url))["unsigned"] ?? 0;
  // start, spawn, cancel and drain reached b; the three beats reached both nodes.
  assert.ok(counted - before >= 7, `trust-b counted ${counted - before} refusals`);
  assert.ok(((await rejected(a.url))["unsigned"] ?? 0) >= 3, "trust-a counted the forged beats");
});

test("cluster trust - the same start order sealed with the cluster key runs: the key, not the subject, is what a node trusts", async () => {
  const marker = join(work, "sealed-start");
  const operator = testWire(await connect({ servers: nats.url }));
  try {
    await operator.request(startSubject("trust-b"), new TextEncoder().encode(JSON.stringify(startOrder(marker, "sealed-start-1"))), { timeout: 5000, encrypt: true });
    await eventually(() => (existsSync(marker) ? true : undefined), 10_000, "the keyed order to run");
  } finally {
    await operator.nc.close();
  }
});

test("cluster trust - a captured genuine beat sent again is dropped as a replay, and counted", async () => {
  // trust-a's liveness beat: trust-b watches it (delta beats), so the copy reaches b's guard.
  const captured = await new Promise<Msg>((resolve) => {
    const sub = attacker.subscribe(liveSubject("trust-a"), { callback: (_e, msg) => (sub.unsubscribe(), resolve(msg)) });
  });
  const before = (await rejected(b.url))["replayed"] ?? 0;
  attacker.publish(captured.subject, captured.data);
  await attacker.flush();
  await eventually(async () => (((await rejected(b.url))["replayed"] ?? 0) > before ? true : undefined), 5000, "the replay to be counted");
});

test("cluster trust - a rewritten record in the KV bucket is never served; the reader names the store", async () => {
  const answer = await post(a.url, "execute_workflow", { workflow_name: "gpu_then_eu", input_data: {} });
  const id = answer.body["execution_id"] as string;
  assert.is(answer.body["status"], "completed");
  const kv = await new Kvm(jetstream(attacker)).open(CLUSTER_STORE.records);
  await kv.put(id, JSON.stringify({ ...answer.body, result: { forged: true } }));
  const status = await eventually(async () => {
    const s = await post(b.url, "check_execution_status", { execution_id: id });
    return s.status >= 400 ? s : undefined;
  }, 5000, "the tampered record to be refused");
  assert.is(status.body["code"], "WFX_CLUSTER_STORE_TAMPERED", JSON.stringify(status.body));
  assert.not.match(JSON.stringify(status.body), /forged/);
  assert.ok(((await rejected(b.url))["unsigned"] ?? 0) > 0);
});

test("cluster trust - a subscriber to every subject during a run with a placed step learns ids and timings, never what the tenant sent or got", async () => {
  const seen: Uint8Array[] = [];
  const sub = attacker.subscribe(">", { callback: (_e, msg) => void seen.push(msg.data) });
  const secret = "tenant-secret-7f3a9c";
  const answer = await post(a.url, "execute_workflow", { workflow_name: "gpu_then_eu", input_data: { note: secret } });
  assert.is(answer.body["status"], "completed", JSON.stringify(answer.body));
  assert.match(JSON.stringify(answer.body["result"] ?? answer.body), /path/);
  await attacker.flush();
  sub.unsubscribe();
  assert.ok(seen.length > 10, `saw ${seen.length} messages`);
  const leaked = seen.filter((data) => Buffer.from(data).includes(secret) || Buffer.from(data).includes("/where.mjs"));
  assert.is(leaked.length, 0, `${leaked.length} payloads carried tenant data: ${leaked.map((d) => Buffer.from(d).toString("latin1").slice(0, 200)).join(" | ")}`);
});

test("cluster trust - a node without a cluster key refuses to join, naming the fix; --insecure-cluster joins and says so", async () => {
  const refused = await wfx(["node", "--nats", nats.url, "--node-id", "keyless", "--port", "0", "--no-grpc"], { dataDir: join(work, "keyless"), env: { WFX_CLUSTER_KEY: "" } });
  assert.is(refused.code, 2, refused.stderr);
  assert.match(refused.stderr, /WFX_CLUSTER_KEY_MISSING|no cluster key/);
  assert.match(refused.stderr, /wfx cluster-key/);
  const insecure = await startServe(join(work, "insecure"), ["--nats", nats.url, "--node-id", "open-1", "--insecure-cluster"], { WFX_CLUSTER_KEY: "" }, "node");
  nodes.push(insecure);
  const ready = (await (await fetch(`${insecure.url}/ready`)).json()) as Record<string, string>;
  assert.match(ready["warning"] ?? "", /insecure-cluster/);
  await eventually(() => (/insecure-cluster/.test(insecure.stderr()) ? true : undefined), 5000, "the log to say it runs insecure");
  // Its unsigned beats are refused by the keyed nodes: it never joins their registry.
  await eventually(async () => (((await rejected(a.url))["unsigned"] ?? 0) > 3 ? true : undefined), 5000, "its beats refused");
  assert.not.ok((await listed(a.url)).some((n) => n.id === "open-1"));
  await insecure.kill("SIGTERM");
});

test.run();
