import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "uvu";
import * as assert from "uvu/assert";
import { eventually } from "./helpers/engine-fixture.js";
import { post } from "./helpers/gateway-node.js";
import { startNatsCluster } from "./helpers/nats-cluster.js";
import { startServe, type ServeProcess } from "./helpers/serve-process.js";

// A three-server NATS cluster with the store replicated three times (WFX_STORE_REPLICAS=3): one server is killed while
// executions with local and placed steps run, and nothing is lost.
const nats = await startNatsCluster();
const dirs: string[] = [];
const nodes: ServeProcess[] = [];
function tempDir(name: string): string {
  const dir = mkdtempSync(join(tmpdir(), `wfx-r3-${name}-`));
  dirs.push(dir);
  return dir;
}

const flows = tempDir("flows");
writeFileSync(join(flows, "steps.mjs"), `import { setTimeout as sleep } from "node:timers/promises";
export async function work(input, ctx) {
  await sleep(input.ms, undefined, { signal: ctx.signal });
  return { step: ctx.stepId, n: input.n };
}
`);
writeFileSync(join(flows, "flow.yaml"), `workflows:
  sturdy:
    steps:
      - { id: first, function: ./steps.mjs#work, input: "\${input}", retry: { max: 10, backoff_ms: 100 } }
      - { id: far, function: ./steps.mjs#work, input: "\${input}", placement: { tags: [far] }, retry: { max: 10, backoff_ms: 100 } }
      - { id: last, function: ./steps.mjs#work, input: "\${input}", retry: { max: 10, backoff_ms: 100 } }
`);

async function node(id: string, tags: string[]): Promise<ServeProcess> {
  const started = await startServe(tempDir(id), ["--node-id", id, ...nats.urls.flatMap((u) => ["--nats", u]), "--workflows", flows, "--max-concurrent", "200", ...(tags.length > 0 ? ["--tags", tags.join(",")] : [])], { WFX_STORE_REPLICAS: "3" }, "node");
  nodes.push(started);
  return started;
}
const home = await node("r3-home", []);
const far = await node("r3-far", ["far"]);

test.after(async () => {
  for (const n of nodes) await n.kill("SIGTERM");
  await nats.close();
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

test("nats cluster - one of three servers killed mid-run with the store at R3: every execution completes, its events whole", async () => {
  await eventually(async () => {
    const listed = (await post(home.url, "list_nodes", {})).body["nodes"] as { id: string; status: string }[];
    return ["r3-home", "r3-far"].every((id) => listed.some((n) => n.id === id && n.status === "up")) ? true : undefined;
  }, 20_000, "both nodes up");
  const ids: string[] = [];
  for (let i = 0; i < 60; i++) {
    const body = (await post(i % 2 === 0 ? home.url : far.url, "execute_workflow", { workflow_name: "sturdy", input_data: { ms: 150, n: i }, execution_mode: "async" })).body;
    assert.ok(typeof body["execution_id"] === "string", `submission ${i}: ${JSON.stringify(body)}`);
    ids.push(String(body["execution_id"]));
    if (i === 20) await nats.kill(0, "SIGKILL");
  }
  const ask = async (id: string) => {
    for (const url of [home.url, far.url]) {
      const answer = await post(url, "check_execution_status", { execution_id: id }).catch(() => undefined);
      if (answer?.status === 200) return answer.body;
    }
    return undefined;
  };
  let last: string[] = [];
  await eventually(async () => {
    const records = await Promise.all(ids.map(ask));
    last = records.map((r, i) => `${ids[i]} ${String(r?.["status"])} ${JSON.stringify(r?.["error"] ?? r?.["progress"])} steps ${JSON.stringify(r?.["steps"])}`).filter((line) => !line.includes(" completed "));
    return last.length === 0 ? true : undefined;
  }, 60_000, "every execution completed").catch((error: Error) => {
    throw new Error(`${error.message}: ${last.length} not completed, e.g. ${last.slice(0, 3).join("; ")}`);
  });
  // Every record is final above; the events of a sample are read whole (a read after a server's loss is slow: see the README).
  for (const id of [ids[0]!, ids[20]!, ids[21]!, ids[40]!, ids.at(-1)!]) {
    const answer = (await post(home.url, "watch_execution", { execution_id: id, after_seq: 0, wait: 0 }).catch((error: Error) => {
      throw new Error(`${error.message}; home exit ${home.child.exitCode} ${home.child.signalCode}: ${home.stderr().slice(-1500)}`);
    })).body;
    const events = answer["events"] as { seq: number; type: string }[] | undefined;
    assert.ok(events !== undefined, `${id}: ${JSON.stringify(answer)}`);
    assert.equal(events.map((e) => e.seq), events.map((_, i) => i + 1), `${id}: gapless`);
    assert.is(events.at(-1)!.type, "execution.completed");
  }
});

test.run();
