import { fork } from "node:child_process";
import { fileURLToPath } from "node:url";
import type { Runtime, WorkflowSource } from "../../src/engine/index.js";

export interface PeakRssResult {
  started: number;
  completed: number;
  failed: number;
  /** RSS just before the first start, after the runtime and workflow were loaded. */
  baselineRss: number;
  peakRss: number;
  samples: number;
  /** From the first start to the last execution's end. */
  wallMs: number;
  /** Time the synchronous loop of `start` calls took. */
  startLoopMs: number;
}

/**
 * Starts `count` executions at once in async mode, samples RSS every `sampleMs`, every 1024 starts and every 64
 * ends until every one has ended, and reports the peak.
 */
export async function peakRss(runtime: Runtime, source: WorkflowSource, workflowName: string, count: number, sampleMs = 5): Promise<PeakRssResult> {
  const baselineRss = process.memoryUsage().rss;
  let peak = baselineRss;
  let samples = 1;
  const sample = (): void => {
    const rss = process.memoryUsage().rss;
    samples++;
    if (rss > peak) peak = rss;
  };
  const timer = setInterval(sample, sampleMs);
  const start = performance.now();
  const dones: Promise<{ status: string }>[] = [];
  let ended = 0;
  // The event loop is busy while thousands of executions run, so the timer alone samples rarely: sample on ends too.
  const onEnd = <T>(record: T): T => {
    if ((++ended & 63) === 0) sample();
    return record;
  };
  for (let i = 0; i < count; i++) {
    dones.push(runtime.start({ source, workflowName, input: { value: i }, mode: "async" }).done.then(onEnd));
    if ((i & 1023) === 0) sample();
  }
  const startLoopMs = performance.now() - start;
  sample();
  const records = await Promise.all(dones);
  const wallMs = performance.now() - start;
  sample();
  clearInterval(timer);
  const completed = records.filter((r) => r.status === "completed").length;
  return { started: count, completed, failed: count - completed, baselineRss, peakRss: peak, samples, wallMs, startLoopMs };
}

const CHILD = fileURLToPath(new URL("./memory-child.js", import.meta.url));

/** Runs `peakRss` in a fresh Node process, so the figure is not inflated by what earlier measurements left in the heap. */
export function peakRssInFreshProcess(count: number): Promise<PeakRssResult> {
  return new Promise((resolve, reject) => {
    const child = fork(CHILD, [String(count)], { stdio: ["ignore", "inherit", "inherit", "ipc"] });
    let result: PeakRssResult | undefined;
    child.once("message", (message) => (result = message as PeakRssResult));
    child.once("error", reject);
    child.once("exit", (code) => (result ? resolve(result) : reject(new Error(`memory benchmark process exited with code ${code} before reporting`))));
  });
}
