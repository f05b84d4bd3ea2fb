import { test } from "uvu";
import * as assert from "uvu/assert";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { loadAndValidate } from "../src/config/index.js";
import { MemoryExecutionStore, Runtime, type WorkflowSource } from "../src/engine/index.js";

const WORKFLOW = `
workflows:
  burn:
    steps:
      - id: burn
        function: ./burn.js#burn
        input: { cpu_ms: 300, hold_mb: 64 }
        output: { to: user }
  fan:
    steps:
      - id: each
        function: ./burn.js#burn
        for_each: [1, 2, 3]
        input: { cpu_ms: 20, hold_mb: 0 }
`;

/** Burns CPU and holds memory, then says what its own process measured at that point. */
const BURN = `
export function burn(input) {
  const held = Buffer.alloc(input.hold_mb * 1024 * 1024, 1);
  const from = process.cpuUsage();
  let spin = 0;
  for (;;) {
    for (let i = 0; i < 1e5; i++) spin += Math.sqrt(i);
    const used = process.cpuUsage(from);
    if ((used.user + used.system) / 1000 >= input.cpu_ms) break;
  }
  const own = process.resourceUsage();
  return { pid: process.pid, held: held.length, spin: spin > 0, cpu_ms: (own.userCPUTime + own.systemCPUTime) / 1000, peak_rss_bytes: own.maxRSS * 1024 };
}
`;

const dir = mkdtempSync(join(tmpdir(), "wfx-engine-usage-"));
writeFileSync(join(dir, "usage.yaml"), WORKFLOW);
writeFileSync(join(dir, "burn.js"), BURN);
const loaded = await loadAndValidate(join(dir, "usage.yaml"));
assert.equal(loaded.problems, []);
const source: WorkflowSource = { file: loaded.file!, path: join(dir, "usage.yaml") };
const runtime = new Runtime({ store: new MemoryExecutionStore(), nodeId: "engine-usage", prices: { "loopback-model": { prompt_per_1k: 1, completion_per_1k: 2, currency: "USD" } } });

test.after(async () => {
  await runtime.close();
  rmSync(dir, { recursive: true, force: true });
});

type Measured = { pid: number; cpu_ms: number; peak_rss_bytes: number };

test("usage - an isolated execution reports its child process's CPU time and peak RSS, as the child measured them", async () => {
  const started = await runtime.execute({ source, workflowName: "burn", mode: "isolated" });
  const record = await runtime.recorder.whenDone(started.execution_id);
  assert.is(record.status, "completed", JSON.stringify(record.error));
  const inChild = record.result as Measured;
  assert.ok(inChild.pid !== process.pid, "the step ran in another process");
  const isolated = record.usage!.isolated!;
  // Read at the end of the same process: at least what the step saw, plus only the little the child did after it.
  assert.ok(isolated.cpu_ms >= Math.floor(inChild.cpu_ms), `child cpu ${isolated.cpu_ms} ms >= ${inChild.cpu_ms} ms seen in the step`);
  assert.ok(isolated.cpu_ms <= inChild.cpu_ms + 1000, `child cpu ${isolated.cpu_ms} ms is within a second of ${inChild.cpu_ms} ms`);
  assert.ok(isolated.peak_rss_bytes >= inChild.peak_rss_bytes, "peak RSS never falls");
  assert.ok(isolated.peak_rss_bytes <= inChild.peak_rss_bytes * 1.5, `peak RSS ${isolated.peak_rss_bytes} is near ${inChild.peak_rss_bytes}`);
  assert.ok(isolated.peak_rss_bytes >= 64 * 1024 * 1024, "the 64 MiB the step held shows");
  assert.ok(record.steps[0]!.usage!.cpu_ms >= 300 * 0.9, `the step's own cpu_ms ${record.steps[0]!.usage!.cpu_ms} covers the 300 ms it burned`);
});

test("usage - an in-process execution sums its steps' CPU time; a for_each step sums its iterations'", async () => {
  const record = await runtime.execute({ source, workflowName: "fan" });
  assert.is(record.status, "completed", JSON.stringify(record.error));
  const step = record.steps[0]!.usage!;
  assert.ok(step.cpu_ms >= 60 * 0.9, `three iterations of 20 ms: ${step.cpu_ms} ms`);
  assert.is(record.usage!.cpu_ms, step.cpu_ms);
  assert.is(record.usage!.isolated, undefined, "no child process to measure");
  assert.ok(record.usage!.wall_ms! >= 0);
  assert.is(record.usage!.model_calls, 0);
  assert.is(record.usage!.estimated_cost, undefined, "no model was used, so nothing to price");
});

test.run();
