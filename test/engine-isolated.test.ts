import { test } from "uvu";
import * as assert from "uvu/assert";
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { spawn } from "node:child_process";
import { fileURLToPath } from "node:url";
import { eventually, openEngineFixture } from "./helpers/engine-fixture.js";
import { isProcessAlive } from "../src/engine/process-alive.js";

const { fixture, source, runtime, close } = await openEngineFixture();
const ENGINE = fileURLToPath(new URL("../src/engine/index.js", import.meta.url));

test.after(close);

async function hangInChild(name: string, timeoutS?: number) {
  const report = join(fixture.dir, `${name}.json`);
  const started = runtime.start({ source, workflowName: "hang", input: { report }, mode: "isolated", ...(timeoutS === undefined ? {} : { timeoutS }) });
  const seen = await eventually(() => (existsSync(report) ? (JSON.parse(readFileSync(report, "utf8")) as { pid: number; tmpdir: string; env: string[] }) : undefined), 20_000, "the isolated step to start");
  return { started, seen };
}

test("isolated - runs the workflow in another process with the same result", async () => {
  const record = await runtime.execute({ source, workflowName: "linear", input: { value: 4 }, mode: "isolated" });
  assert.is(record.execution_mode, "isolated");
  await runtime.recorder.whenDone(record.execution_id).catch(() => undefined);
  const final = await runtime.status(record.execution_id);
  assert.is(final!.status, "completed");
  assert.is(final!.result, 8);
});

test("isolated - the process has a scrubbed environment and a temp dir of its own", async () => {
  process.env.WFX_TEST_SECRET = "must-not-leak";
  const { started, seen } = await hangInChild("env");
  assert.not.ok(seen.env.includes("WFX_TEST_SECRET"), "parent secrets are not inherited");
  assert.ok(seen.pid !== process.pid, "runs in another process");
  assert.ok(seen.tmpdir && seen.tmpdir.includes("wfx-isolated-"), `TMPDIR is its own: ${seen.tmpdir}`);
  await runtime.cancel(started.executionId);
});

test("isolated - cancel stops the execution, the process is gone and its temp dir removed", async () => {
  const { started, seen } = await hangInChild("cancel");
  assert.ok(isProcessAlive(seen.pid));
  const result = await runtime.cancel(started.executionId);
  assert.is(result.status, "cancelled");
  const record = await started.done;
  assert.is(record.status, "cancelled");
  await eventually(() => !isProcessAlive(seen.pid), 5000, "the isolated process to exit");
  await eventually(() => !existsSync(seen.tmpdir), 5000, "the temp dir to be removed");
});

test("isolated - a timeout ends the execution and the process", async () => {
  // Long enough for the process to start and its step to report in, on a loaded machine too; then the step hangs.
  const { started, seen } = await hangInChild("timeout", 3);
  const record = await started.done;
  assert.is(record.status, "timeout");
  await eventually(() => !isProcessAlive(seen.pid), 5000, "the isolated process to exit");
  await eventually(() => !existsSync(seen.tmpdir), 5000, "the temp dir to be removed");
});

test("isolated - a process that dies mid-step is reported as failed, and the runtime goes on", async () => {
  const record = await runtime.start({ source, workflowName: "dies", mode: "isolated" }).done;
  assert.is(record.status, "failed");
  assert.is(record.error!.code, "WFX_ISOLATED_PROCESS_DIED");
  assert.match(record.error!.message, "exit code 9");
  const next = await runtime.start({ source, workflowName: "linear", input: { value: 1 }, mode: "isolated" }).done;
  assert.is(next.status, "completed");
});

/**
 * Runs the hog workflow isolated under a 48 MiB cap, from a runtime in a child process whose stderr is captured: the
 * isolated process writes its output to that stderr, and V8's "Reached heap limit" trace must not look like our crash.
 */
function hogUnderCap(): Promise<{ answer: { status?: string; code?: string }; stderr: string }> {
  const script = `
    const { DEFAULT_ISOLATED_OPTIONS, MemoryExecutionStore, Runtime } = await import(${JSON.stringify(ENGINE)});
    const capped = new Runtime({ store: new MemoryExecutionStore(), nodeId: "capped", isolated: { ...DEFAULT_ISOLATED_OPTIONS, memoryMb: 48, warmSpares: 0 } });
    const source = ${JSON.stringify(source)};
    const record = await capped.start({ source, workflowName: "hog", mode: "isolated", timeoutS: 30 }).done;
    await capped.close();
    process.stdout.write(JSON.stringify({ status: record.status, code: record.error?.code }));`;
  const proc = spawn(process.execPath, ["--input-type=module", "-e", script], { stdio: ["ignore", "pipe", "pipe"] });
  let stdout = "";
  let stderr = "";
  proc.stdout.on("data", (d) => (stdout += d));
  proc.stderr.on("data", (d) => (stderr += d));
  return new Promise((resolve) => proc.on("close", () => resolve({ answer: stdout === "" ? {} : JSON.parse(stdout), stderr })));
}

test("isolated - a step that exceeds the memory cap kills only its own process", async () => {
  const { answer, stderr } = await hogUnderCap();
  assert.equal([answer.status, answer.code], ["failed", "WFX_ISOLATED_PROCESS_DIED"], stderr);
  assert.match(stderr, "heap limit", "it died of the cap (V8's trace, kept out of the test output)");
  const after = await runtime.start({ source, workflowName: "linear", input: { value: 2 } }).done;
  assert.is(after.result, 4, "this process and other executions are untouched");
});

test.run();
