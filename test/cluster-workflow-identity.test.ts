import { appendFileSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "uvu";
import * as assert from "uvu/assert";
import { eventually } from "./helpers/engine-fixture.js";
import { post } from "./helpers/gateway-node.js";
import { startNatsServer } from "./helpers/nats-server.js";
import { startServe, type ServeProcess } from "./helpers/serve-process.js";

// Placed work names its workflow file by its place in the workflow folders and its hash: each node runs its own copy
// of exactly that file, next to its own modules, or refuses with WFX_WORKFLOW_MISMATCH.
const nats = await startNatsServer();
const dirs: string[] = [];
const nodes: ServeProcess[] = [];

function tempDir(name: string): string {
  const dir = mkdtempSync(join(tmpdir(), `wfx-identity-${name}-`));
  dirs.push(dir);
  return dir;
}

const FLOW = `workflows:
${["eu", "gpu", "us"].map((tag) => `  step_on_${tag}:\n    steps:\n      - { id: which, function: ./which.mjs#which, placement: { tags: [${tag}] } }\n`).join("")}  whole:
    steps:
      - { id: which, function: ./which.mjs#which }
`;

/** A workflow folder: the flow and its module in `team/`, and a decoy module of the same name at the root. */
function workflowFolder(name: string, variant: "same" | "edited" | "missing"): string {
  const root = tempDir(name);
  mkdirSync(join(root, "team"));
  writeFileSync(join(root, "which.mjs"), `export const which = () => "root module on ${name}";\n`);
  writeFileSync(join(root, "team", "which.mjs"), `export const which = () => "team module on ${name}";\n`);
  if (variant !== "missing") writeFileSync(join(root, "team", "flow.yaml"), FLOW);
  if (variant === "edited") appendFileSync(join(root, "team", "flow.yaml"), "# edited on this node\n");
  return root;
}

const folders = { home: workflowFolder("home", "same"), eu: workflowFolder("eu", "same"), gpu: workflowFolder("gpu", "edited"), us: workflowFolder("us", "missing") };

async function node(id: string, tags: string[], folder: string): Promise<ServeProcess> {
  const started = await startServe(tempDir(`${id}-data`), ["--node-id", id, "--nats", nats.url, "--workflows", folder, ...(tags.length > 0 ? ["--tags", tags.join(",")] : [])], { WFX_PLACEMENT_TIMEOUT_S: "5" }, "node");
  nodes.push(started);
  return started;
}

const home = await node("home-1", [], folders.home);
await node("eu-1", ["eu"], folders.eu);
await node("gpu-1", ["gpu"], folders.gpu);
await node("us-1", ["us"], folders.us);

test.after(async () => {
  for (const n of nodes) await n.kill("SIGTERM");
  await nats.close();
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

async function allUp(): Promise<void> {
  await eventually(async () => {
    const listed = (await post(home.url, "list_nodes", {})).body["nodes"] as { id: string; status: string }[];
    return ["home-1", "eu-1", "gpu-1", "us-1"].every((id) => listed.some((n) => n.id === id && n.status === "up")) ? true : undefined;
  }, 15_000, "four nodes up");
}

type Step = { id: string; node?: string; output?: unknown; error?: { code: string; message: string; hint?: string } };
const stepOf = (body: Record<string, unknown>) => (body["steps"] as Step[])[0]!;

test("workflow identity - a step placed from a workflow in a subfolder runs the module next to that file on the other node", async () => {
  await allUp();
  const { body } = await post(home.url, "execute_workflow", { workflow_name: "step_on_eu" });
  assert.is(body["status"], "completed", JSON.stringify(body));
  assert.is(stepOf(body).node, "eu-1");
  assert.equal(stepOf(body).output, "team module on eu");
});

test("workflow identity - an execution placed on another node runs that node's copy of the file from the same subfolder", async () => {
  await allUp();
  const { body } = await post(home.url, "execute_workflow", { workflow_name: "whole", target_tags: ["eu"] });
  assert.is(body["status"], "completed", JSON.stringify(body));
  assert.is(body["node"], "eu-1");
  assert.equal(stepOf(body).output, "team module on eu");
});

test("workflow identity - a node whose copy differs refuses the step, naming the file and both hashes, not its own paths", async () => {
  await allUp();
  const { body } = await post(home.url, "execute_workflow", { workflow_name: "step_on_gpu" });
  assert.is(body["status"], "failed", JSON.stringify(body));
  const error = stepOf(body).error!;
  assert.is(error.code, "WFX_WORKFLOW_MISMATCH");
  assert.match(error.message, /node 'gpu-1' has a different copy of workflow file 'team\/flow\.yaml': sha256 [0-9a-f]{12} here, [0-9a-f]{12} on the placing node/);
  assert.match(String(error.hint), "same version of the workflow folder");
  assert.not.match(JSON.stringify(body), folders.gpu, "no path of the refusing node in the answer");
});

test("workflow identity - a node without the file refuses the step and the placed execution alike", async () => {
  await allUp();
  const step = (await post(home.url, "execute_workflow", { workflow_name: "step_on_us" })).body;
  assert.is(step["status"], "failed", JSON.stringify(step));
  assert.is(stepOf(step).error!.code, "WFX_WORKFLOW_MISMATCH");
  assert.match(stepOf(step).error!.message, "node 'us-1' has no workflow file 'team/flow.yaml'");
  const whole = (await post(home.url, "execute_workflow", { workflow_name: "whole", target_tags: ["us"] })).body;
  assert.is(whole["status"], "failed", JSON.stringify(whole));
  assert.is((whole["error"] as { code: string }).code, "WFX_WORKFLOW_MISMATCH");
  assert.not.match(JSON.stringify(whole), folders.us);
});

test.run();
