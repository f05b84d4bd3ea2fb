import { spawn } from "node:child_process";
import { setTimeout as sleep } from "node:timers/promises";
import type { Runtime, WorkflowSource } from "../../src/engine/index.js";

/** Time from spawning `node -e 0` to its exit, in ms, `samples` times. */
export async function coldNodeSpawns(samples: number): Promise<number[]> {
  const out: number[] = [];
  for (let i = 0; i < samples; i++) {
    const start = performance.now();
    await new Promise<void>((resolve, reject) => {
      const child = spawn(process.execPath, ["-e", "0"], { stdio: "ignore" });
      child.once("error", reject);
      child.once("exit", () => resolve());
    });
    out.push(performance.now() - start);
  }
  return out;
}

/** ms from `runtime.start({ mode: "isolated" })` to the execution's first `step.started` event, and to its end. */
export async function isolatedStart(runtime: Runtime, source: WorkflowSource, workflowName: string): Promise<{ toStepStartedMs: number; toDoneMs: number; status: string }> {
  let stepStarted = Number.NaN;
  const start = performance.now();
  const { done } = runtime.start({
    source,
    workflowName,
    input: { value: 1 },
    mode: "isolated",
    onEvent: (event) => {
      if (event.type === "step.started" && Number.isNaN(stepStarted)) stepStarted = performance.now();
    },
  });
  const record = await done;
  return { toStepStartedMs: stepStarted - start, toDoneMs: performance.now() - start, status: record.status };
}

/**
 * Isolated-mode start latency with a warm spare. The first execution finds no spare: it pays for a cold process
 * start (reported as `coldMs`) and leaves a spare starting behind it. Then `samples` executions, each after a pause
 * long enough for the replacement spare to be ready: twice the cold start-up, at least 300 ms.
 */
export async function isolatedStarts(runtime: Runtime, source: WorkflowSource, workflowName: string, samples: number): Promise<{ coldMs: number; pauseMs: number; warmMs: number[]; failed: number }> {
  const cold = await isolatedStart(runtime, source, workflowName);
  const pauseMs = Math.max(300, Math.ceil(2 * cold.toStepStartedMs));
  const warmMs: number[] = [];
  let failed = cold.status === "completed" ? 0 : 1;
  for (let i = 0; i < samples; i++) {
    await sleep(pauseMs);
    const sample = await isolatedStart(runtime, source, workflowName);
    if (sample.status !== "completed") failed++;
    warmMs.push(sample.toStepStartedMs);
  }
  return { coldMs: cold.toStepStartedMs, pauseMs, warmMs, failed };
}
