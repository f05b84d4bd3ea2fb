import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "uvu";
import * as assert from "uvu/assert";
import { EmbeddedExecutionStore } from "../src/engine/index.js";
import { FIXTURES, eventually } from "./helpers/engine-fixture.js";
import { post } from "./helpers/gateway-node.js";
import { startServe, type ServeProcess } from "./helpers/serve-process.js";
import { wfx } from "./helpers/cli.js";

const FLOWS = join(FIXTURES, "resume");
const dirs: string[] = [];
const nodes: ServeProcess[] = [];

function tempDir(prefix: string): string {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  dirs.push(dir);
  return dir;
}

async function serve(dataDir: string): Promise<ServeProcess> {
  const node = await startServe(dataDir, ["--workflows", FLOWS, "--max-concurrent", "500"]);
  nodes.push(node);
  return node;
}

test.after(async () => {
  for (const node of nodes) await node.kill();
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

interface Event {
  seq: number;
  type: string;
  step?: string;
  data?: { rerun?: string[]; completed?: string[]; error?: { code: string; message: string } };
}

async function start(url: string, workflow: string, mode: string, input: unknown): Promise<string> {
  const answer = await post(url, "execute_workflow", { workflow_name: workflow, execution_mode: mode, input_data: input });
  assert.is(answer.status, 200, JSON.stringify(answer.body));
  return String(answer.body["execution_id"]);
}

/** The events after `afterSeq` stored so far (watch_execution without waiting, max_events at its largest). */
async function events(url: string, id: string, afterSeq = 0): Promise<Event[]> {
  const answer = await post(url, "watch_execution", { execution_id: id, after_seq: afterSeq, wait: 0, max_events: 1000 });
  assert.is(answer.status, 200, JSON.stringify(answer.body));
  return answer.body["events"] as Event[];
}

async function statusOf(url: string, id: string): Promise<Record<string, unknown>> {
  return (await post(url, "check_execution_status", { execution_id: id })).body;
}

function ledgerLines(ledger: string): Map<string, number> {
  const counts = new Map<string, number>();
  if (!existsSync(ledger)) return counts;
  for (const line of readFileSync(ledger, "utf8").split("\n").filter(Boolean)) {
    const [id, step] = line.split(" ");
    counts.set(`${id} ${step}`, (counts.get(`${id} ${step}`) ?? 0) + 1);
  }
  return counts;
}

/** No step the journal had as completed ran again: a step with two ledger lines is one the adopter did not list as completed. */
function assertNoCompletedStepRanTwice(ledger: string, resumed: Map<string, Event>): void {
  for (const [key, count] of ledgerLines(ledger)) {
    const [id, step] = key.split(" ") as [string, string];
    if (count === 1) continue;
    assert.is(count, 2, `${key} ran ${count} times`);
    const event = resumed.get(id);
    assert.ok(event !== undefined, `${key} ran twice in an execution that was never adopted`);
    assert.not.ok(event.data?.completed?.includes(step), `${key} had completed and ran again`);
  }
}

test("crash - SIGKILL of wfx serve with 100 async, 5 isolated and one fragile execution running: the restarted node finishes them all", async () => {
  const dataDir = tempDir("wfx-crash-");
  const ledger = join(dataDir, "ledger.txt");
  let node = await serve(dataDir);
  // The isolated executions first, each running in its process before the rest start (slower steps, so they are still
  // running at the kill).
  const isolated: string[] = [];
  for (let i = 0; i < 5; i++) isolated.push(await start(node.url, "five_steps", "isolated", { ledger, ms: 2000 }));
  const running = async (id: string) => (await events(node.url, id)).some((e) => e.type === "step.started");
  await eventually(async () => ((await Promise.all(isolated.map(running))).every(Boolean) ? true : undefined), 30_000, "every isolated execution running in its process");
  const ids: string[] = [];
  for (let i = 0; i < 100; i++) ids.push(await start(node.url, "five_steps", "async", { ledger, ms: 150 }));
  const fragile = await start(node.url, "fragile", "async", { ledger, ms: 10 });
  // Mid-run: some steps done, charge_card in flight, most executions unfinished.
  await eventually(() => (ledgerLines(ledger).size >= 150 ? true : undefined), 30_000, "150 steps done");
  await eventually(async () => ((await events(node.url, fragile)).some((e) => e.type === "step.started" && e.step === "charge_card") ? true : undefined), 10_000, "charge_card running");
  // A watcher of an execution still running at the kill.
  let watched = "";
  let lastSeen = 0;
  for (const id of [...ids].reverse()) {
    const seen = await events(node.url, id);
    if (seen.some((e) => e.type.startsWith("execution.") && e.type !== "execution.started" && e.type !== "execution.progress")) continue;
    [watched, lastSeen] = [id, seen.at(-1)?.seq ?? 0];
    break;
  }
  assert.ok(watched !== "", "an execution was still running");
  // Events reach watchers as they happen and the journal within its 10 ms batch: wait until what was seen is on disk.
  const journal = await EmbeddedExecutionStore.open({ dataDir, readOnly: true });
  await eventually(async () => ((await journal.getEvents(watched, lastSeen - 1)).length > 0 ? true : undefined), 10_000, "the watched events in the journal");
  await journal.close();
  const ended = async (id: string) => (await events(node.url, id)).some((e) => ["execution.completed", "execution.failed", "execution.cancelled", "execution.timeout"].includes(e.type));
  const isolatedRunning = (await Promise.all(isolated.map(async (id) => ((await ended(id)) ? undefined : id)))).filter((id): id is string => id !== undefined);
  await node.kill("SIGKILL");
  assert.ok(ledgerLines(ledger).size < 530, "the kill came before the end");

  node = await serve(dataDir);
  const all = [...ids, ...isolated];
  const finals = await eventually(async () => {
    const records = await Promise.all([...all, fragile].map((id) => statusOf(node.url, id)));
    return records.every((r) => ["completed", "failed", "cancelled", "timeout"].includes(String(r["status"]))) ? records : undefined;
  }, 60_000, "every execution ended");
  const notCompleted = finals.slice(0, all.length).filter((r) => r["status"] !== "completed").map((r) => `${String(r["execution_mode"])} ${String(r["status"])}: ${JSON.stringify(r["error"])}`);
  assert.equal(notCompleted, [], "every idempotent execution completed");
  const lost = finals.at(-1)!;
  assert.is(lost["status"], "failed");
  assert.is((lost["error"] as { code: string }).code, "WFX_RESUME_STEP_INTERRUPTED");
  assert.match((lost["error"] as { message: string }).message, /died while step 'charge_card' was running/);

  const resumed = new Map<string, Event>();
  for (const id of all) {
    const found = (await events(node.url, id)).find((e) => e.type === "execution.resumed");
    if (found) resumed.set(id, found);
  }
  assert.ok(resumed.size > 0, "executions that were running carry an execution.resumed event");
  assert.ok(isolatedRunning.length > 0, "isolated executions were running at the kill");
  assert.equal(isolatedRunning.filter((id) => !resumed.has(id)), [], "every isolated execution running at the kill was resumed");
  assertNoCompletedStepRanTwice(ledger, resumed);
  for (const id of all) for (const step of ["s1", "s2", "s3", "s4", "s5"]) assert.ok(ledgerLines(ledger).has(`${id} ${step}`), `${id} ${step} ran`);

  const after = await events(node.url, watched, lastSeen);
  assert.equal(after.map((e) => e.seq), after.map((_, i) => lastSeen + 1 + i), "a watch resumed from its last sequence number sees no gap");
  assert.is(after.at(-1)!.type, "execution.completed");
});

test("crash - two nodes started at once on one orphaned data dir adopt each execution exactly once", async () => {
  const dataDir = tempDir("wfx-crash-two-");
  const ledger = join(dataDir, "ledger.txt");
  const first = await serve(dataDir);
  const ids: string[] = [];
  for (let i = 0; i < 20; i++) ids.push(await start(first.url, "five_steps", "async", { ledger, ms: 1000 }));
  // Every execution past its first step and none at its last: each has something left for exactly one adopter.
  await eventually(() => (ids.every((id) => ledgerLines(ledger).has(`${id} s1`)) ? true : undefined), 30_000, "every first step done");
  assert.ok(ids.every((id) => !ledgerLines(ledger).has(`${id} s5`)), "the kill comes before any execution ends");
  await first.kill("SIGKILL");
  const [a, b] = await Promise.all([serve(dataDir), serve(dataDir)]);
  await eventually(async () => ((await Promise.all(ids.map((id) => statusOf(a!.url, id)))).every((r) => r["status"] === "completed") ? true : undefined), 60_000, "all completed");
  const resumed = new Map<string, Event>();
  for (const id of ids) {
    const adoptions = (await events(b!.url, id)).filter((e) => e.type === "execution.resumed");
    assert.is(adoptions.length, 1, `${id} was adopted ${adoptions.length} times`);
    resumed.set(id, adoptions[0]!);
  }
  assertNoCompletedStepRanTwice(ledger, resumed);
  const adoptedBy = [a!, b!].map((n) => [...n.stderr().matchAll(/"adopted":(\d+)/g)].reduce((sum, m) => sum + Number(m[1]), 0));
  assert.is(adoptedBy[0]! + adoptedBy[1]!, 20, `adopted ${adoptedBy.join(" + ")}`);
});

test("crash - cancelling an execution whose owner died ends it cancelled, and its watch ends", async () => {
  const dataDir = tempDir("wfx-crash-cancel-");
  const ledger = join(dataDir, "ledger.txt");
  const node = await serve(dataDir);
  const id = await start(node.url, "fragile", "async", { ledger, ms: 10 });
  await eventually(() => (ledgerLines(ledger).size >= 1 ? true : undefined), 10_000, "quick done");
  await node.kill("SIGKILL");
  const cancelled = await wfx(["cancel", id], { dataDir });
  assert.is(cancelled.code, 0, cancelled.stderr + cancelled.stdout);
  const status = await wfx(["status", id, "--json"], { dataDir });
  assert.match(status.stdout, /"status":\s*"cancelled"/);
  const later = await serve(dataDir);
  const seen = await events(later.url, id);
  assert.is(seen.at(-1)!.type, "execution.cancelled");
  assert.not.ok(seen.some((e) => e.type === "execution.resumed"), "a cancelled orphan is not resumed");
});

test.run();
