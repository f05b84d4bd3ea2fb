import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "uvu";
import * as assert from "uvu/assert";
import type { GenerateWorkflowResult } from "../src/generator/index.js";
import { eventually, FIXTURES } from "./helpers/engine-fixture.js";
import { post } from "./helpers/gateway-node.js";
import { RUBRIC, RUBRIC_NODES, rubricMisses } from "./helpers/generation-rubric.js";
import { NO_MODEL_ENV, startModelServer } from "./helpers/model-server.js";
import { startNatsServer } from "./helpers/nats-server.js";
import { startServe, type ServeProcess } from "./helpers/serve-process.js";

// The rubric's three nodes as real `wfx node` processes on one nats-server, behind a gateway-only node: what the
// generator sees is the live registry, and what it generates runs where its placement says.
const nats = await startNatsServer();
const model = await startModelServer();
const dirs: string[] = [];
const nodes: ServeProcess[] = [];

function tempDir(name: string): string {
  const dir = mkdtempSync(join(tmpdir(), `wfx-gen-cluster-${name}-`));
  dirs.push(dir);
  return dir;
}

async function node(id: string, args: string[], env: Record<string, string>): Promise<ServeProcess> {
  const started = await startServe(tempDir(id), ["--node-id", id, "--workflows", join(FIXTURES, "cluster"), ...args], { WFX_PLACEMENT_TIMEOUT_S: "5", ...env }, "node");
  nodes.push(started);
  return started;
}

// The gateway names no model, so it plans from templates; the workers name the loopback model their agents call.
const profile = join(tempDir("profile"), "gateway.yaml");
writeFileSync(profile, `tags: [gateway]\ncapacity: { executions: 0, steps: 0 }\ngateways: { http: { port: 0 } }\nnats: { url: "${nats.url}" }\n`);
const gateway = await node("gw-1", ["--profile", profile], { ...NO_MODEL_ENV });
for (const worker of RUBRIC_NODES) {
  const resources = Object.entries(worker.resources?.total ?? {}).map(([k, v]) => `${k}=${v}`).join(",");
  await node(worker.id, ["--nats", nats.url, "--tags", worker.tags.join(",")], { ...model.env, WFX_NODE_RESOURCES: resources });
}

test.after(async () => {
  for (const n of nodes) await n.kill("SIGTERM");
  await nats.close();
  await model.close();
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

async function allUp(): Promise<void> {
  await eventually(async () => {
    const listed = (await post(gateway.url, "list_nodes", {})).body["nodes"] as { id: string; status: string }[];
    return RUBRIC_NODES.every((w) => listed.some((n) => n.id === w.id && n.status === "up")) ? true : undefined;
  }, 15_000, "the three workers up");
}

/** The rubric's cases about where to run, which a caller's workflow may carry as they are (no hosts, servers or policy). */
const placementCases = RUBRIC.filter((c) => (c.tags ?? c.prefer ?? c.avoid) !== undefined && c.hosts === undefined && c.mcp === undefined && c.policy === undefined && !(c.roots ?? []).some((r) => r.startsWith("/")));

test("generation on a cluster - over HTTP, the template planner reads the live registry and fits every placement case", async () => {
  await allUp();
  assert.ok(placementCases.length >= 12, `${placementCases.length} placement cases`);
  const misses: string[] = [];
  for (const c of placementCases) {
    const { status, body } = await post(gateway.url, "generate_workflow", { workflow_description: c.description });
    assert.is(status, 200, JSON.stringify(body));
    assert.is(body["generator"], "template");
    const missed = rubricMisses(body as unknown as GenerateWorkflowResult & { warnings?: string[] }, c);
    if (missed.length > 0) misses.push(`"${c.description}": ${missed.join("; ")}`);
  }
  console.log(`rubric fit on a three-node cluster (template planner, placement cases): ${placementCases.length - misses.length}/${placementCases.length}`);
  assert.equal(misses, []);
});

type Step = { id: string; node?: string; status: string };

test("generation on a cluster - what is generated runs where the description said, its agents answered by the model", async () => {
  await allUp();
  const cases: [description: string, fits: (node: string) => boolean][] = [
    ["Run the image captioning on GPU nodes", (n) => n === "gpu-eu-1"],
    ["Analyse the large log archive on a high-memory node", (n) => n === "mem-eu-1"],
    ["Run the nightly forecast on a node with lots of memory in the EU", (n) => n === "mem-eu-1"],
    ["Review the pull requests, but not on GPU nodes", (n) => n !== "gpu-eu-1"],
  ];
  for (const [description, fits] of cases) {
    const before = model.requests.length;
    const { body } = await post(gateway.url, "execute_generated_workflow", { workflow_description: description, input_data: { text: "hello" }, timeout: 60 });
    assert.is(body["status"], "completed", `${description}: ${JSON.stringify(body)}`);
    const ran = [String(body["node"]), ...((body["steps"] as Step[]) ?? []).map((s) => s.node).filter((n): n is string => n !== undefined)];
    assert.ok(ran.every(fits), `${description}: ran on ${ran.join(", ")}`);
    assert.ok(model.requests.length > before, `${description}: its agents called the model`);
  }
});

test.run();
