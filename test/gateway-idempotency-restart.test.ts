import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "uvu";
import * as assert from "uvu/assert";
import { eventually } from "./helpers/engine-fixture.js";
import { GATEWAY_WORKFLOWS, post } from "./helpers/gateway-node.js";
import { startServe, type ServeProcess } from "./helpers/serve-process.js";
import { storedExecutionsWith } from "./helpers/stored-executions.js";

const dirs: string[] = [];
const nodes: ServeProcess[] = [];

test.after(async () => {
  for (const node of nodes) await node.kill();
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), "wfx-idem-serve-"));
  dirs.push(dir);
  return dir;
}

async function serve(dataDir: string, args: string[] = []): Promise<ServeProcess> {
  const node = await startServe(dataDir, ["--workflows", GATEWAY_WORKFLOWS, ...args]);
  nodes.push(node);
  return node;
}

test("idempotency restart - keys used before wfx serve is killed answer with the same executions after it restarts", async () => {
  const dataDir = tempDir();
  const before = await serve(dataDir);
  const done = { workflow_name: "three_steps", input_data: { value: 3 }, idempotency_key: "restart-sync" };
  const running = { workflow_name: "slow", input_data: { ms: 60_000, tag: "restart-async" }, execution_mode: "async", idempotency_key: "restart-async" };
  const interrupted = { workflow_name: "slow", input_data: { ms: 60_000, tag: "restart-interrupted-sync" }, idempotency_key: "restart-interrupted-sync" };
  const completed = await post(before.url, "execute_workflow", done);
  const started = await post(before.url, "execute_workflow", running);
  assert.equal([completed.body["status"], started.body["status"]], ["completed", "running"]);
  // A sync caller whose node dies never hears its execution's id; the key finds it.
  void post(before.url, "execute_workflow", interrupted).catch(() => undefined);
  await eventually(async () => ((await storedExecutionsWith(dataDir, interrupted.input_data)) === 1 ? true : undefined));
  await before.kill("SIGKILL");

  const after = await serve(dataDir);
  const again = await post(after.url, "execute_workflow", done);
  assert.equal([again.status, again.body["execution_id"], again.body["result"]], [200, completed.body["execution_id"], 12]);
  const stillThere = await post(after.url, "execute_workflow", running);
  assert.is(stillThere.body["execution_id"], started.body["execution_id"]);
  // The adopting node fails the interrupted wait step (not safe to run twice); the sync repeat waits for that end.
  const ended = await post(after.url, "execute_workflow", interrupted);
  assert.is(ended.body["status"], "failed", JSON.stringify(ended.body));
  assert.is((await post(after.url, "execute_workflow", interrupted)).body["execution_id"], ended.body["execution_id"]);
  const refused = await post(after.url, "execute_workflow", { ...done, input_data: { value: 4 } });
  assert.equal([refused.status, refused.body["code"]], [409, "WFX_IDEMPOTENCY_KEY_REUSED"]);
  await after.kill("SIGTERM");
  for (const request of [done, running, interrupted]) assert.is(await storedExecutionsWith(dataDir, request.input_data), 1, request.idempotency_key);
});

test("idempotency restart - with --idempotency-window 1 a key starts a new execution once a second has passed", async () => {
  const node = await serve(tempDir(), ["--idempotency-window", "1"]);
  const request = { workflow_name: "one_step", input_data: "window", idempotency_key: "short-window" };
  const first = await post(node.url, "execute_workflow", request);
  assert.is((await post(node.url, "execute_workflow", request)).body["execution_id"], first.body["execution_id"]);
  // The same execution while the key holds; the first answer naming another comes once it has expired.
  const later = await eventually(async () => {
    const answer = await post(node.url, "execute_workflow", request);
    return answer.body["execution_id"] === first.body["execution_id"] ? undefined : answer;
  }, 5000, "the key to expire");
  assert.equal([later.status, later.body["status"]], [200, "completed"]);
  assert.is.not(later.body["execution_id"], first.body["execution_id"]);
  await node.kill("SIGTERM");
});

test.run();
