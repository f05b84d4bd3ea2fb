import { test } from "uvu";
import * as assert from "uvu/assert";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { wfx } from "./helpers/cli.js";

const dir = mkdtempSync(join(tmpdir(), "wfx-cli-priority-"));
const dataDir = join(dir, "data");
writeFileSync(join(dir, "steps.js"), "export function echo(text) {\n  return text;\n}\n");
const workflow = (priority: string) => `workflows:
  echo:
${priority}    steps:
      - id: echo
        function: ./steps.js#echo
        input: "\${user_input}"
        output: { to: user }
`;
writeFileSync(join(dir, "plain.yaml"), workflow(""));
writeFileSync(join(dir, "urgent.yaml"), workflow("    priority: 8\n"));

test.after(() => rmSync(dir, { recursive: true, force: true }));

/** The record `wfx run --json` ends with. */
function recordOf(stdout: string): { execution_id: string; status: string; priority?: number } {
  return (JSON.parse(stdout.trim().split("\n").at(-1)!) as { record: { execution_id: string; status: string; priority?: number } }).record;
}

test("cli priority - a --priority outside 0-9 is refused, naming the flag and the range, before anything runs", async () => {
  for (const bad of ["10", "-1", "high", "2.5", ""]) {
    const run = await wfx(["run", join(dir, "plain.yaml"), "--input", '"hi"', `--priority=${bad}`], { dataDir });
    assert.is(run.code, 2, `${bad}: ${run.stderr}`);
    assert.match(run.stderr, `wfx: --priority must be a whole number from 0 to 9, got '${bad}'`);
    assert.match(run.stderr, "hint: 9 starts first");
    assert.not.match(run.stderr, "execution ");
  }
});

test("cli priority - the run is recorded at the priority asked for, and wfx status shows it", async () => {
  const run = await wfx(["run", join(dir, "plain.yaml"), "--input", '"hi"', "--priority", "7", "--json"], { dataDir });
  assert.is(run.code, 0, run.stderr);
  const record = recordOf(run.stdout);
  assert.is(record.status, "completed");
  assert.is(record.priority, 7);
  const status = await wfx(["status", record.execution_id], { dataDir });
  assert.is(status.code, 0, status.stderr);
  assert.match(status.stdout, /^priority: {5}7$/m);
});

test("cli priority - 0 is a priority; without the flag the workflow's priority:, else 5", async () => {
  const zero = await wfx(["run", join(dir, "urgent.yaml"), "--input", '"hi"', "--priority", "0", "--json"], { dataDir });
  assert.is(recordOf(zero.stdout).priority, 0, zero.stderr);
  const own = await wfx(["run", join(dir, "urgent.yaml"), "--input", '"hi"', "--json"], { dataDir });
  assert.is(recordOf(own.stdout).priority, 8, own.stderr);
  const plain = await wfx(["run", join(dir, "plain.yaml"), "--input", '"hi"', "--json"], { dataDir });
  assert.is(recordOf(plain.stdout).priority, 5, plain.stderr);
});

test("cli priority - an async run's background process gets the priority too", async () => {
  const run = await wfx(["run", join(dir, "plain.yaml"), "--input", '"hi"', "--mode", "async", "--priority", "3", "--json"], { dataDir });
  assert.is(run.code, 0, run.stderr);
  const id = (JSON.parse(run.stdout.trim()) as { execution_id: string }).execution_id;
  const status = await wfx(["status", id, "--json"], { dataDir });
  assert.is(status.code, 0, status.stderr);
  assert.is((JSON.parse(status.stdout) as { priority?: number }).priority, 3);
});

test("cli priority - wfx run --help names the flag and its range", async () => {
  const help = await wfx(["run", "--help"], { dataDir });
  assert.is(help.code, 0);
  assert.match(help.stdout, /--priority N\s+0-9, 9 first/);
});

test.run();
