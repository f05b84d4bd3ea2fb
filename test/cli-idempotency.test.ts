import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "uvu";
import * as assert from "uvu/assert";
import { wfx, type CliResult } from "./helpers/cli.js";
import { storedExecutionsWith } from "./helpers/stored-executions.js";

const dir = mkdtempSync(join(tmpdir(), "wfx-cli-idem-"));
const dataDir = join(dir, "data");
const file = join(dir, "flow.yaml");
writeFileSync(join(dir, "steps.mjs"), "export const wait = (input) => new Promise((resolve) => setTimeout(() => resolve(input), input.ms ?? 0));\n");
writeFileSync(file, 'workflows:\n  waits:\n    steps:\n      - { id: wait, function: ./steps.mjs#wait, input: "${input}" }\n');

test.after(() => rmSync(dir, { recursive: true, force: true }));

const run = (...args: string[]) => wfx(["run", file, ...args], { dataDir });

/** The execution id of a `--json` run: its last line is the final record. */
function idOf(result: CliResult): string {
  assert.is(result.code, 0, result.stderr);
  return (JSON.parse(result.stdout.trim().split("\n").at(-1)!) as { record: { execution_id: string } }).record.execution_id;
}

test("cli idempotency - wfx run twice with one --idempotency-key runs once; the second follows the first's execution", async () => {
  const first = await run("--input", '{"tag": "twice"}', "--idempotency-key", "cli-twice", "--json");
  const second = await run("--input", '{ "tag":"twice" }', "--idempotency-key", "cli-twice", "--json");
  assert.is(idOf(second), idOf(first));
  assert.is(await storedExecutionsWith(dataDir, { tag: "twice" }), 1);
});

test("cli idempotency - two wfx run processes at once with one key start one execution", async () => {
  const input = '{"tag": "at-once", "ms": 300}';
  const [a, b] = await Promise.all([run("--input", input, "--idempotency-key", "cli-at-once", "--json"), run("--input", input, "--idempotency-key", "cli-at-once", "--json")]);
  assert.is(idOf(a), idOf(b));
  assert.is(await storedExecutionsWith(dataDir, { tag: "at-once", ms: 300 }), 1);
});

test("cli idempotency - the same key with another input or mode is refused with WFX_IDEMPOTENCY_KEY_REUSED (exit 2)", async () => {
  await run("--input", '{"tag": "refused"}', "--idempotency-key", "cli-refused");
  for (const other of [["--input", '{"tag": "other"}'], ["--input", '{"tag": "refused"}', "--mode", "isolated"], ["--input", '{"tag": "refused"}', "--mode", "async"]]) {
    const refused = await run(...other, "--idempotency-key", "cli-refused");
    assert.is(refused.code, 2, other.join(" "));
    assert.match(refused.stderr, "WFX_IDEMPOTENCY_KEY_REUSED");
  }
});

test("cli idempotency - --mode async prints the id of the execution the key started, from its background process", async () => {
  const first = await run("--mode", "async", "--input", '{"tag": "async", "ms": 200}', "--idempotency-key", "cli-async");
  const second = await run("--mode", "async", "--input", '{"tag": "async", "ms": 200}', "--idempotency-key", "cli-async", "--json");
  assert.is(first.code, 0, first.stderr);
  assert.is((JSON.parse(second.stdout) as { execution_id: string }).execution_id, first.stdout.trim());
  const followed = await wfx(["status", first.stdout.trim(), "--follow", "--json"], { dataDir });
  assert.is(followed.code, 0, followed.stderr);
  assert.is(await storedExecutionsWith(dataDir, { tag: "async", ms: 200 }), 1);
});

test("cli idempotency - a key longer than 200 characters, or with --describe, is refused", async () => {
  assert.is((await run("--idempotency-key", "k".repeat(201))).code, 2);
  const described = await wfx(["run", "--describe", "list files", "--idempotency-key", "k"], { dataDir });
  assert.is(described.code, 2);
  assert.match(described.stderr, "--idempotency-key does not go with --describe");
});

test.run();
