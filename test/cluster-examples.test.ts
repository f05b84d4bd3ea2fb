import { cpSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "uvu";
import * as assert from "uvu/assert";
import { fileURLToPath } from "node:url";
import { eventually } from "./helpers/engine-fixture.js";
import { post } from "./helpers/gateway-node.js";
import { startNatsServer } from "./helpers/nats-server.js";
import { startServe, type ServeProcess } from "./helpers/serve-process.js";

// Every example, run on the node it was sent to and placed on another node (each with its own copy of examples/, as
// a real deployment has): the same result both ways.
const EXAMPLES = fileURLToPath(new URL("../../examples/", import.meta.url));
const nats = await startNatsServer();
const dirs: string[] = [];
const nodes: ServeProcess[] = [];

function tempDir(name: string): string {
  const dir = mkdtempSync(join(tmpdir(), `wfx-examples-${name}-`));
  dirs.push(dir);
  return dir;
}

async function node(id: string, tags: string[]): Promise<ServeProcess> {
  const examples = join(tempDir(`${id}-examples`), "examples");
  cpSync(EXAMPLES, examples, { recursive: true });
  const started = await startServe(tempDir(`${id}-data`), ["--node-id", id, "--nats", nats.url, "--workflows", examples, ...(tags.length > 0 ? ["--tags", tags.join(",")] : [])], {}, "node");
  nodes.push(started);
  return started;
}

const home = await node("home-1", []);
await node("far-1", ["far"]);

test.after(async () => {
  for (const n of nodes) await n.kill("SIGTERM");
  await nats.close();
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

test("examples - every example workflow gives the same result run here and placed on another node", async () => {
  await eventually(async () => {
    const listed = (await post(home.url, "list_nodes", {})).body["nodes"] as { id: string; status: string }[];
    return ["home-1", "far-1"].every((id) => listed.some((n) => n.id === id && n.status === "up")) ? true : undefined;
  }, 15_000, "both nodes up");
  const workflows = ((await post(home.url, "list_workflows", {})).body["workflows"] as { name: string }[]).map((w) => w.name);
  assert.equal(workflows.sort(), ["document_digest", "regional_report", "text_report"]);
  for (const name of workflows) {
    const here = (await post(home.url, "execute_workflow", { workflow_name: name, target_instance: "home-1" })).body;
    const placed = (await post(home.url, "execute_workflow", { workflow_name: name, target_tags: ["far"] })).body;
    assert.equal([here["status"], here["node"]], ["completed", "home-1"], `${name} here: ${JSON.stringify(here)}`);
    assert.equal([placed["status"], placed["node"]], ["completed", "far-1"], `${name} placed: ${JSON.stringify(placed)}`);
    assert.ok(here["result"] !== undefined && here["result"] !== null, `${name} has a result`);
    assert.equal(placed["result"], here["result"], name);
  }
});

test.run();
