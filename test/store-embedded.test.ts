import { spawn } from "node:child_process";
import { appendFile, mkdtemp, readdir, rm } from "node:fs/promises";
import { homedir, tmpdir } from "node:os";
import { join } from "node:path";
import { eventually } from "./helpers/engine-fixture.js";
import { suite } from "uvu";
import * as assert from "uvu/assert";
import { EmbeddedExecutionStore, resolveDataDir } from "../src/engine/store/index.js";
import type { ExecutionEvent } from "../src/engine/types.js";
import { runningRecord } from "./helpers/store-records.js";

const DAY_MS = 24 * 60 * 60 * 1000;
const STORE_MODULE = new URL("../src/engine/store/index.js", import.meta.url).href;

function event(id: string, seq: number): ExecutionEvent {
  return { execution_id: id, seq, type: "step.completed", time: Date.now(), step: `s${seq}` };
}

async function journalFiles(dir: string): Promise<string[]> {
  return (await readdir(join(dir, "journal"))).sort();
}

/** Runs a script in a separate Node process with `store` (the store module) imported; resolves on the `ready` line. */
function child(script: string): { ready: Promise<void>; exited: Promise<number | null>; kill(): void } {
  const proc = spawn(process.execPath, ["--input-type=module", "-e", `const store = await import(${JSON.stringify(STORE_MODULE)});\n${script}`], {
    stdio: ["pipe", "pipe", "inherit"],
  });
  const ready = new Promise<void>((resolve, reject) => {
    proc.stdout.on("data", (chunk: Buffer) => chunk.toString().includes("ready") && resolve());
    proc.on("exit", (code) => reject(new Error(`child exited (${code}) before it was ready`)));
  });
  ready.catch(() => undefined);
  const exited = new Promise<number | null>((resolve) => proc.on("exit", (code) => resolve(code)));
  return { ready, exited, kill: () => proc.kill("SIGKILL") };
}

const test = suite<{ dir: string }>("store - embedded");
test.before.each(async (ctx) => {
  ctx.dir = await mkdtemp(join(tmpdir(), "wfx-store-"));
});
test.after.each(async (ctx) => {
  await rm(ctx.dir, { recursive: true, force: true });
});

test("store - reopening after close reads back records and events (restart)", async ({ dir }) => {
  const first = await EmbeddedExecutionStore.open({ dataDir: dir });
  first.putRecord(runningRecord("a"));
  for (let seq = 1; seq <= 4; seq++) first.appendEvent(event("a", seq));
  first.putRecord(runningRecord("a", { status: "completed", end_time: Date.now() / 1000, result: { ok: true } }));
  first.putRecord(runningRecord("b", { workflow_name: "other" }));
  await first.close();

  const second = await EmbeddedExecutionStore.open({ dataDir: dir });
  assert.equal((await second.getRecord("a"))?.result, { ok: true });
  assert.is((await second.getRecord("a"))?.status, "completed");
  assert.equal((await second.getEvents("a")).map((e) => e.seq), [1, 2, 3, 4]);
  assert.equal((await second.listRecords({ workflow_name: "other" })).map((r) => r.execution_id), ["b"]);
  // The new process resumes the execution's events where the old one stopped.
  second.appendEvent(event("a", 5));
  assert.equal((await second.getEvents("a", 3)).map((e) => e.seq), [4, 5]);
  await second.close();
});

test("store - getEvents(afterSeq) resumes from memory and from disk alike", async ({ dir }) => {
  const writer = await EmbeddedExecutionStore.open({ dataDir: dir });
  for (let seq = 1; seq <= 10; seq++) writer.appendEvent(event("x", seq));
  const reader = await EmbeddedExecutionStore.open({ dataDir: dir, readOnly: true });
  await writer.flush();
  for (const after of [0, 1, 7, 10, 11]) {
    const expected = Array.from({ length: Math.max(0, 10 - after) }, (_, i) => after + i + 1);
    assert.equal((await writer.getEvents("x", after)).map((e) => e.seq), expected, `memory after ${after}`);
    assert.equal((await reader.getEvents("x", after)).map((e) => e.seq), expected, `disk after ${after}`);
  }
  await Promise.all([writer.close(), reader.close()]);
});

test("store - a second store on the same dir sees the first one's flushed writes while it keeps writing", async ({ dir }) => {
  const writer = await EmbeddedExecutionStore.open({ dataDir: dir });
  writer.putRecord(runningRecord("a"));
  writer.appendEvent(event("a", 1));
  await writer.flush();
  const reader = await EmbeddedExecutionStore.open({ dataDir: dir });
  assert.is((await reader.getRecord("a"))?.status, "running");
  writer.putRecord(runningRecord("a", { status: "completed", end_time: Date.now() / 1000 }));
  writer.appendEvent(event("a", 2));
  writer.putRecord(runningRecord("b"));
  await writer.flush();
  assert.is((await reader.getRecord("a"))?.status, "completed");
  assert.equal((await reader.getEvents("a")).map((e) => e.seq), [1, 2]);
  assert.equal((await reader.listRecords()).map((r) => r.execution_id).sort(), ["a", "b"]);
  await Promise.all([writer.close(), reader.close()]);
});

test("store - writes reach the file without an explicit flush", async ({ dir }) => {
  const writer = await EmbeddedExecutionStore.open({ dataDir: dir, flushIntervalMs: 5 });
  const reader = await EmbeddedExecutionStore.open({ dataDir: dir, readOnly: true });
  writer.putRecord(runningRecord("a"));
  // Another process's view: the record appears once the writer's timer flushes it (no flush() is called).
  const found = await eventually(async () => (await reader.getRecord("a"))?.execution_id, 5000, "the record in the file");
  assert.is(found, "a");
  await Promise.all([writer.close(), reader.close()]);
});

test("store - another process reads records while the writer is still running, and after it is killed", async ({ dir }) => {
  const proc = child(`
    const s = await store.EmbeddedExecutionStore.open({ dataDir: ${JSON.stringify(dir)} });
    s.putRecord({ execution_id: "c1", workflow_name: "wf", execution_mode: "async", status: "running", start_time: 1, elapsed_time: 0,
      progress: { completed_steps: 0, total_steps: 1, current: [], message: "" }, steps: [], node: "n" });
    s.appendEvent({ execution_id: "c1", seq: 1, type: "execution.started", time: Date.now() });
    await s.flush();
    console.log("ready");
    setInterval(() => {}, 1000);
  `);
  await proc.ready;
  const reader = await EmbeddedExecutionStore.open({ dataDir: dir });
  assert.is((await reader.getRecord("c1"))?.status, "running");
  assert.equal((await reader.getEvents("c1")).map((e) => e.type), ["execution.started"]);
  assert.is((await reader.compact()).inputs, 0, "a live writer's segment is never compacted");
  proc.kill();
  await proc.exited;
  const result = await reader.compact();
  assert.is(result.inputs, 1, "the dead writer's segment is compacted");
  assert.is((await reader.getRecord("c1"))?.status, "running");
  assert.equal((await reader.getEvents("c1")).map((e) => e.seq), [1]);
  await reader.close();
});

test("store - a process that exits without flushing still leaves its buffered writes", async ({ dir }) => {
  const proc = child(`
    const s = await store.EmbeddedExecutionStore.open({ dataDir: ${JSON.stringify(dir)}, flushIntervalMs: 60000 });
    s.putRecord({ execution_id: "x1", workflow_name: "wf", execution_mode: "sync", status: "completed", start_time: 1, end_time: 2,
      elapsed_time: 1, progress: { completed_steps: 1, total_steps: 1, current: [], message: "" }, steps: [], node: "n" });
    process.exit(0);
  `);
  assert.is(await proc.exited, 0);
  const reader = await EmbeddedExecutionStore.open({ dataDir: dir, readOnly: true });
  assert.is((await reader.getRecord("x1"))?.status, "completed");
  await reader.close();
});

test("store - a torn trailing line is ignored and the previous version of the record is returned", async ({ dir }) => {
  const writer = await EmbeddedExecutionStore.open({ dataDir: dir });
  writer.putRecord(runningRecord("t", { status: "running", elapsed_time: 1 }));
  writer.appendEvent(event("t", 1));
  await writer.close();
  const [segment] = await journalFiles(dir);
  await appendFile(join(dir, "journal", segment!), `{"t":${Date.now()},"r":{"execution_id":"t","status":"compl`);

  const reader = await EmbeddedExecutionStore.open({ dataDir: dir, compactOnOpen: false });
  assert.is((await reader.getRecord("t"))?.status, "running");
  assert.is((await reader.getRecord("t"))?.elapsed_time, 1);
  assert.equal((await reader.getEvents("t")).map((e) => e.seq), [1]);
  await reader.close();

  // The torn line followed by more lines (a later writer appending) is skipped as one bad line.
  await appendFile(join(dir, "journal", segment!), `\n{"e":${JSON.stringify(event("t", 2))}}\n`);
  const compacting = await EmbeddedExecutionStore.open({ dataDir: dir });
  assert.is((await compacting.getRecord("t"))?.status, "running");
  assert.equal((await compacting.getEvents("t")).map((e) => e.seq), [1, 2]);
  assert.ok((await journalFiles(dir)).every((name) => name.startsWith("compact-")));
  await compacting.close();
});

test("store - ids with quotes, backslashes and non-ASCII text read back from the journal", async ({ dir }) => {
  const ids = ['q"uote', "back\\slash", "\u00e9t\u00e9-\u2028-\ud83d\ude80", "plain"];
  const writer = await EmbeddedExecutionStore.open({ dataDir: dir });
  for (const id of ids) {
    writer.putRecord(runningRecord(id, { result: `out of ${id}\n` }));
    writer.appendEvent(event(id, 1));
    writer.appendEvent({ seq: 2, execution_id: id, type: "step.progress", time: 1 });
  }
  await writer.close();
  const reader = await EmbeddedExecutionStore.open({ dataDir: dir, readOnly: true });
  for (const id of ids) {
    assert.is((await reader.getRecord(id))?.result, `out of ${id}\n`);
    assert.equal((await reader.getEvents(id)).map((e) => [e.execution_id, e.seq]), [[id, 1], [id, 2]]);
  }
  await reader.close();
});

test("store - retention drops old finished executions and keeps running and recent ones", async ({ dir }) => {
  const now = Date.now();
  const writer = await EmbeddedExecutionStore.open({ dataDir: dir });
  writer.putRecord(runningRecord("old-done", { status: "completed", start_time: (now - 10 * DAY_MS) / 1000, end_time: (now - 9 * DAY_MS) / 1000 }));
  writer.appendEvent(event("old-done", 1));
  writer.putRecord(runningRecord("old-running", { start_time: (now - 10 * DAY_MS) / 1000 }));
  writer.putRecord(runningRecord("recent-failed", { status: "failed", end_time: (now - 60_000) / 1000 }));
  writer.appendEvent(event("recent-failed", 1));
  await writer.close();

  const store = await EmbeddedExecutionStore.open({ dataDir: dir, retentionMs: 7 * DAY_MS, now: () => now });
  assert.is(await store.getRecord("old-done"), undefined);
  assert.equal(await store.getEvents("old-done"), []);
  assert.is((await store.getRecord("old-running"))?.status, "running");
  assert.is((await store.getRecord("recent-failed"))?.status, "failed");
  assert.equal((await store.getEvents("recent-failed")).map((e) => e.seq), [1]);
  assert.equal((await store.listRecords()).map((r) => r.execution_id).sort(), ["old-running", "recent-failed"]);
  const files = await journalFiles(dir);
  assert.is(files.length, 1);
  assert.match(files[0]!, /^compact-/);
  assert.is((await store.compact()).inputs, 0, "a lone compacted segment with nothing expired is left alone");
  await store.close();

  const later = await EmbeddedExecutionStore.open({ dataDir: dir, retentionMs: 7 * DAY_MS, now: () => now + 8 * DAY_MS });
  assert.is(await later.getRecord("recent-failed"), undefined);
  assert.is((await later.getRecord("old-running"))?.status, "running");
  await later.close();
});

test("store - segments rotate at the size limit and every segment is read back", async ({ dir }) => {
  const writer = await EmbeddedExecutionStore.open({ dataDir: dir, maxSegmentBytes: 4096, maxBufferBytes: 1024 });
  for (let i = 0; i < 200; i++) {
    writer.putRecord(runningRecord(`r${i}`, { start_time: i }));
    writer.appendEvent(event(`r${i}`, 1));
  }
  await writer.flush();
  assert.ok((await journalFiles(dir)).length > 5);
  const reader = await EmbeddedExecutionStore.open({ dataDir: dir, readOnly: true });
  assert.is((await reader.listRecords()).length, 200);
  await writer.close();
  const compacting = await EmbeddedExecutionStore.open({ dataDir: dir });
  assert.is((await journalFiles(dir)).length, 1);
  assert.is((await compacting.listRecords()).length, 200);
  assert.equal((await compacting.getEvents("r150")).map((e) => e.seq), [1]);
  await Promise.all([reader.close(), compacting.close()]);
});

test("store - 10,000 records and 30,000 events are written, flushed and read back", async ({ dir }) => {
  const writer = await EmbeddedExecutionStore.open({ dataDir: dir });
  for (let i = 0; i < 10_000; i++) {
    const id = `bulk-${i}`;
    writer.putRecord(runningRecord(id, { start_time: i }));
    for (let seq = 1; seq <= 3; seq++) writer.appendEvent(event(id, seq));
  }
  await writer.flush();
  assert.is((await writer.listRecords()).length, 10_000);
  const reader = await EmbeddedExecutionStore.open({ dataDir: dir, readOnly: true });
  const records = await reader.listRecords();
  assert.is(records.length, 10_000);
  let events = 0;
  for (const { execution_id } of records) events += (await reader.getEvents(execution_id)).length;
  assert.is(events, 30_000);
  await Promise.all([writer.close(), reader.close()]);
});

test("store - a read-only store creates nothing and refuses writes", async ({ dir }) => {
  const missing = join(dir, "not-there");
  const store = await EmbeddedExecutionStore.open({ dataDir: missing, readOnly: true });
  assert.is(await store.getRecord("a"), undefined);
  assert.equal(await store.listRecords(), []);
  assert.throws(() => store.putRecord(runningRecord("a")), (err: { code?: string }) => err.code === "WFX_STORE_READ_ONLY");
  await store.close();
  assert.equal(await readdir(dir), []);
});

test("store - bad options are refused with every problem named", async ({ dir }) => {
  try {
    await EmbeddedExecutionStore.open({ dataDir: dir, flushIntervalMs: 0, retentionMs: -1 });
    assert.unreachable();
  } catch (err) {
    assert.is((err as { code?: string }).code, "WFX_STORE_BAD_OPTIONS");
    assert.match((err as Error).message, /flushIntervalMs/);
    assert.match((err as Error).message, /retentionMs/);
  }
});

test("store - the data dir comes from WFX_DATA_DIR, else ~/.wfx/data", () => {
  assert.is(resolveDataDir({ WFX_DATA_DIR: "/srv/wfx" }), "/srv/wfx");
  assert.is(resolveDataDir({}), join(homedir(), ".wfx", "data"));
  assert.is(resolveDataDir({ WFX_DATA_DIR: "  " }), join(homedir(), ".wfx", "data"));
});

test.run();
