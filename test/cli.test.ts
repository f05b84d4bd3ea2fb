import { test } from "uvu";
import * as assert from "uvu/assert";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { copyFixture, eventually } from "./helpers/engine-fixture.js";
import { EmbeddedExecutionStore, Runtime, type ExecutionEvent } from "../src/engine/index.js";
import { wfx } from "./helpers/cli.js";

const dataDir = mkdtempSync(join(tmpdir(), "wfx-cli-data-"));
const fixture = copyFixture("engine");
const EXAMPLES = fileURLToPath(new URL("../../examples/", import.meta.url));
const workflows = join(fixture.dir, "workflows.yaml");

test.after(() => {
  rmSync(dataDir, { recursive: true, force: true });
  fixture.cleanup();
});

function noStackTrace(text: string): void {
  assert.not.match(text, /\n\s+at .+:\d+:\d+/, `no stack trace in: ${text}`);
}

test("cli - runs the linear example and prints its result", async () => {
  const r = await wfx(["run", join(EXAMPLES, "linear/linear.yaml"), "--input", '"one  two   three"'], { dataDir });
  assert.is(r.code, 0, r.stderr);
  assert.match(r.stdout, '3 words: "one two three"');
  assert.match(r.stderr, "step.completed report", "plain progress lines when not a terminal");
});

test("cli - runs the fan-out example: parallel fetches and a retried upload", async () => {
  const r = await wfx(["run", join(EXAMPLES, "fan-out/fan-out.yaml"), "--json"], { dataDir });
  assert.is(r.code, 0, r.stderr);
  const lines = r.stdout.trim().split("\n").map((l) => JSON.parse(l));
  const record = lines.at(-1).record;
  assert.is(record.status, "completed");
  assert.is(record.result.uploaded_on_attempt, 2);
  assert.ok(lines.some((l: any) => l.event?.type === "step.retrying" && l.event.step === "upload"));
});

test("cli - runs the files example through the filesystem tool", async () => {
  const copy = mkdtempSync(join(tmpdir(), "wfx-files-example-"));
  try {
    const { cpSync } = await import("node:fs");
    cpSync(join(EXAMPLES, "files"), copy, { recursive: true });
    const r = await wfx(["run", join(copy, "files.yaml"), "--json"], { dataDir });
    assert.is(r.code, 0, r.stderr);
    const record = JSON.parse(r.stdout.trim().split("\n").at(-1)!).record;
    assert.match(record.result.digest, "architecture.md: Architecture notes");
  } finally {
    rmSync(copy, { recursive: true, force: true });
  }
});

test("cli - malformed YAML: exit 2, one clear message with line and column", async () => {
  const bad = join(fixture.dir, "bad.yaml");
  writeFileSync(bad, "workflows:\n  x:\n    steps: [\n      - id: a\n");
  const r = await wfx(["run", bad], { dataDir });
  assert.is(r.code, 2);
  assert.match(r.stderr, /bad\.yaml:\d+:\d+/);
  noStackTrace(r.stderr);
});

test("cli - unknown workflow name: exit 2 and the names that exist", async () => {
  const r = await wfx(["run", workflows, "--workflow", "nope"], { dataDir });
  assert.is(r.code, 2);
  assert.match(r.stderr, "has no workflow 'nope'");
  assert.match(r.stderr, "linear");
  noStackTrace(r.stderr);
});

test("cli - invalid JSON input: exit 2 with an example of valid input", async () => {
  const r = await wfx(["run", workflows, "--workflow", "linear", "--input", "{value: 1"], { dataDir });
  assert.is(r.code, 2);
  assert.match(r.stderr, "--input is not valid JSON");
  noStackTrace(r.stderr);
});

test("cli - a missing file: exit 2, names the file", async () => {
  const r = await wfx(["run", join(fixture.dir, "missing.yaml")], { dataDir });
  assert.is(r.code, 2);
  assert.match(r.stderr, "missing.yaml");
  noStackTrace(r.stderr);
});

test("cli - a path outside the filesystem root: the execution fails with a clear message, exit 1", async () => {
  const r = await wfx(["run", workflows, "--workflow", "files", "--input", '{"text":"x"}'], { dataDir });
  assert.is(r.code, 1);
  assert.match(r.stderr, "step 'escape' failed");
  noStackTrace(r.stderr);
});

test("cli - a failing execution exits 1, a timeout 3", async () => {
  assert.is((await wfx(["run", workflows, "--workflow", "crashing"], { dataDir })).code, 1);
  assert.is((await wfx(["run", workflows, "--workflow", "slow_execution"], { dataDir })).code, 3);
});

test("cli - validate reports problems with exit 2 and a valid file with exit 0", async () => {
  const bad = join(fixture.dir, "invalid.yaml");
  writeFileSync(bad, "workflows:\n  w:\n    steps:\n      - id: a\n        function: ./steps.js#echo\n        depends_on: [b]\n");
  const r = await wfx(["validate", bad], { dataDir });
  assert.is(r.code, 2);
  assert.match(r.stderr, "invalid.yaml:6");
  const ok = await wfx(["validate", workflows], { dataDir });
  assert.is(ok.code, 0, ok.stderr);
  assert.match(ok.stdout, "valid");
});

test("cli - list finds workflows with the list_workflows shape", async () => {
  const r = await wfx(["list", EXAMPLES, "--pattern", "*.yaml", "--json"], { dataDir });
  assert.is(r.code, 0, r.stderr);
  const listing = JSON.parse(r.stdout);
  assert.is(listing.total_count, 3);
  const names = listing.workflows.map((w: { name: string }) => w.name).sort();
  assert.equal(names, ["document_digest", "regional_report", "text_report"]);
  assert.ok(listing.workflows.every((w: any) => typeof w.file === "string" && w.steps > 0));
});

test("cli - async run returns an id at once; status and cancel work from other processes", async () => {
  const report = join(fixture.dir, "cli-async.json");
  const started = await wfx(["run", workflows, "--workflow", "hang", "--mode", "async", "--input", JSON.stringify({ report })], { dataDir });
  assert.is(started.code, 0, started.stderr);
  const id = started.stdout.trim();
  assert.match(id, /^[0-9a-f-]{36}$/);
  await eventually(async () => {
    const s = await wfx(["status", id, "--json"], { dataDir });
    return s.code === 0 && JSON.parse(s.stdout).status === "running" ? true : undefined;
  }, 10_000, "status running");
  const cancelled = await wfx(["cancel", id], { dataDir });
  assert.is(cancelled.code, 0, cancelled.stdout + cancelled.stderr);
  const status = await wfx(["status", id, "--json"], { dataDir });
  const record = JSON.parse(status.stdout);
  assert.is(record.status, "cancelled");
  assert.is(record.steps[0].status, "cancelled");
});

test("cli - another process sharing the data dir follows a background run live, to its end", async () => {
  const report = join(fixture.dir, "cli-follow.json");
  const started = await wfx(["run", workflows, "--workflow", "hang", "--mode", "async", "--input", JSON.stringify({ report, ms: 1500 })], { dataDir });
  assert.is(started.code, 0, started.stderr);
  const id = started.stdout.trim();
  const runtime = new Runtime({ store: await EmbeddedExecutionStore.open({ dataDir }), dataDir });
  try {
    await eventually(async () => ((await runtime.status(id))?.status === "running" ? true : undefined), 10_000, "the background run started");
    const seen: ExecutionEvent[] = [];
    const final = await runtime.watch(id, 0, (event) => seen.push(event));
    assert.is(final!.status, "completed");
    assert.is(final!.result, "not cancelled");
    assert.equal(seen.map((e) => e.seq), seen.map((_, i) => i + 1), "every event once, in order");
    assert.equal([seen[0]!.type, seen.at(-1)!.type], ["execution.started", "execution.completed"]);
    assert.ok(seen.some((e) => e.type === "step.completed" && e.step === "hang"));
  } finally {
    await runtime.close();
  }
});

test("cli - status --follow shows a background run's progress live and exits with its outcome", async () => {
  const report = join(fixture.dir, "cli-status-follow.json");
  const started = await wfx(["run", workflows, "--workflow", "hang", "--mode", "async", "--input", JSON.stringify({ report, ms: 1000 })], { dataDir });
  const id = started.stdout.trim();
  const followed = await wfx(["status", id, "--follow", "--json"], { dataDir });
  assert.is(followed.code, 0, followed.stderr);
  const lines = followed.stdout.trim().split("\n").map((line) => JSON.parse(line));
  const events = lines.filter((l) => l.event !== undefined).map((l) => l.event);
  assert.equal(events.map((e: ExecutionEvent) => e.seq), events.map((_: unknown, i: number) => i + 1), "every event from the first, once");
  assert.is(events.at(-1).type, "execution.completed");
  assert.equal([lines.at(-1).record.status, lines.at(-1).record.result], ["completed", "not cancelled"]);
  const plain = await wfx(["status", id, "-f"], { dataDir });
  assert.is(plain.code, 0);
  assert.match(plain.stderr, "step.completed hang");
  assert.is(plain.stdout.trim(), "not cancelled");
});

test("cli - status of an unknown id exits 5", async () => {
  const r = await wfx(["status", "does-not-exist"], { dataDir });
  assert.is(r.code, 5);
  noStackTrace(r.stderr);
});

test("cli - isolated mode from the command line", async () => {
  const r = await wfx(["run", workflows, "--workflow", "linear", "--mode", "isolated", "--input", '{"value": 3}', "--json"], { dataDir });
  assert.is(r.code, 0, r.stderr);
  const record = JSON.parse(r.stdout.trim().split("\n").at(-1)!).record;
  assert.is(record.result, 6);
  assert.is(record.execution_mode, "isolated");
});

test.run();
