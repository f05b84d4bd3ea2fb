import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "uvu";
import * as assert from "uvu/assert";
import { eventually, FIXTURES } from "./helpers/engine-fixture.js";
import { post } from "./helpers/gateway-node.js";
import { startNatsServer } from "./helpers/nats-server.js";
import { startServe, type ServeProcess } from "./helpers/serve-process.js";

const nats = await startNatsServer();
const dirs: string[] = [];
const nodes: ServeProcess[] = [];

async function node(id: string, tags: string): Promise<{ process: ServeProcess; dataDir: string }> {
  const dataDir = mkdtempSync(join(tmpdir(), `wfx-sandbox-${id}-`));
  dirs.push(dataDir);
  const started = await startServe(dataDir, ["--nats", nats.url, "--node-id", id, "--tags", tags, "--workflows", join(FIXTURES, "cluster")], { WFX_PLACEMENT_TIMEOUT_S: "5" }, "node");
  nodes.push(started);
  return { process: started, dataDir };
}

const gateway = await node("gateway-1", "gateway");
const worker = await node("files-1", "files");

test.after(async () => {
  for (const n of nodes) await n.kill("SIGTERM");
  await nats.close();
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

test("cluster sandbox - a caller's filesystem steps placed on another node run in the caller's sandbox folder there", async () => {
  await eventually(async () => {
    const listed = (await post(gateway.process.url, "list_nodes", {})).body["nodes"] as { id: string; status: string }[];
    return listed.some((n) => n.id === "files-1" && n.status === "up") ? true : undefined;
  }, 10_000, "the worker up");
  const onWorker = { tags: ["files"] };
  const workflow = {
    tools: [{ id: "files", type: "filesystem" }],
    workflows: {
      notes: {
        steps: [
          { id: "write", tool: "files", args: { op: "write", path: "note.txt", content: "${input}" }, placement: onWorker },
          { id: "list", tool: "files", args: { op: "list" }, placement: onWorker, depends_on: ["write"], output: { to: "user" } },
        ],
      },
    },
  };
  const answer = await post(gateway.process.url, "execute_workflow", { workflow_config: workflow, input_data: "written on files-1" });
  assert.is(answer.body["status"], "completed", JSON.stringify(answer.body));
  const steps = answer.body["steps"] as { id: string; node: string; status: string }[];
  assert.equal(steps.map((s) => [s.id, s.node, s.status]), [["write", "files-1", "completed"], ["list", "files-1", "completed"]]);
  assert.match(JSON.stringify(answer.body["result"]), "note.txt");
  // The worker made the caller's own sandbox folder under its inline root, and the file is there, nowhere else.
  const inline = join(worker.dataDir, "inline");
  const sandboxes = readdirSync(inline).filter((name) => existsSync(join(inline, name, "note.txt")));
  assert.is(sandboxes.length, 1, `one sandbox holds the note: ${readdirSync(inline).join(", ")}`);
  assert.match(sandboxes[0]!, /^local-[0-9a-f]{12}$/, "named like the caller's sandbox on the node it called");
  assert.is(readFileSync(join(inline, sandboxes[0]!, "note.txt"), "utf8"), "written on files-1");
  assert.ok(readdirSync(join(gateway.dataDir, "inline")).includes(sandboxes[0]!), "the same folder name as on the gateway node");
});

test.run();
