// Dashboard benchmark: the bundle's gzipped size and the first paint of the executions list over 10,000 stored
// executions, in the test browser (Debian's chromium). Printed against the targets, never asserted.
//   npm run bench:ui
import { mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { gzipSync } from "node:zlib";
import { EmbeddedExecutionStore, Runtime, type ExecutionRecord } from "../src/engine/index.js";
import { ExecutorNode } from "../src/node/index.js";
import { silentLogger } from "../src/observability/index.js";
import { launchBrowser } from "../test/helpers/browser.js";
import { GATEWAY_WORKFLOWS } from "../test/helpers/gateway-node.js";
import { max, median } from "./lib/stats.js";

const STORED = 10_000;
const LOADS = 7;
const UI_ASSETS = fileURLToPath(new URL("../ui/assets/", import.meta.url));
const STATUSES = ["completed", "completed", "completed", "failed", "cancelled", "timeout"] as const;

function bundleGzipBytes(): { files: number; bytes: number } {
  const files = readdirSync(UI_ASSETS).filter((f) => f.endsWith(".js") || f.endsWith(".css"));
  return { files: files.length, bytes: files.reduce((sum, f) => sum + gzipSync(readFileSync(join(UI_ASSETS, f)), { level: 9 }).length, 0) };
}

/** A finished three-step execution, as the store keeps one. */
function storedRecord(i: number, now: number): ExecutionRecord {
  const start = now - (STORED - i) * 7;
  const status = STATUSES[i % STATUSES.length]!;
  return {
    execution_id: `bench-${String(i).padStart(6, "0")}`,
    workflow_name: ["three_steps", "one_step", "chatty"][i % 3]!,
    execution_mode: "async",
    status,
    start_time: start,
    end_time: start + 1.5,
    elapsed_time: 1.5,
    progress: { completed_steps: 3, total_steps: 3, current: [], message: "done" },
    steps: ["first", "second", "third"].map((id, n) => ({ id, status: "completed", attempts: 1, node: "bench-node", started: start + n * 0.5, ended: start + n * 0.5 + 0.4, output: { n: i * n } })),
    ...(status === "completed" ? { result: { value: i } } : { error: { code: "WFX_BENCH", message: "a stored failure" } }),
    node: "bench-node",
    input: { value: i },
  };
}

const dataDir = mkdtempSync(join(tmpdir(), "wfx-bench-ui-"));
const seed = await EmbeddedExecutionStore.open({ dataDir });
const now = Date.now() / 1000;
for (let i = 0; i < STORED; i++) seed.putRecord(storedRecord(i, now));
await seed.flush();
await seed.close();

const store = await EmbeddedExecutionStore.open({ dataDir });
const runtime = new Runtime({ store, dataDir, nodeId: "bench-node" });
const node = await ExecutorNode.start({ workflowDirs: [GATEWAY_WORKFLOWS], httpPort: 0, grpc: false, sandboxDir: dataDir, shutdownGraceMs: 0 }, { logger: silentLogger(), auditLogger: silentLogger(), runtime });
const url = `${node.httpUrl!}/ui/`;
const browser = await launchBrowser();

const apiMs: number[] = [];
for (let i = 0; i < LOADS; i++) {
  const t0 = performance.now();
  await (await fetch(`${node.httpUrl!}/executions?limit=50`)).json();
  apiMs.push(performance.now() - t0);
}

// Each load in a fresh context (no cache): from navigation start to the first page of rows on screen.
const paintMs: number[] = [];
const fcpMs: number[] = [];
for (let i = 0; i < LOADS; i++) {
  const context = await browser.newContext({ viewport: { width: 1366, height: 800 } });
  const page = await context.newPage();
  await page.goto(url, { waitUntil: "commit" });
  await page.locator("tr[data-execution]").nth(49).waitFor();
  const { rows, fcp } = await page.evaluate(
    () =>
      new Promise<{ rows: number; fcp: number }>((resolve) =>
        // The next frame is the first one painted with the rows in it.
        requestAnimationFrame(() => resolve({ rows: performance.now(), fcp: performance.getEntriesByName("first-contentful-paint")[0]?.startTime ?? Number.NaN })),
      ),
  );
  paintMs.push(rows);
  fcpMs.push(fcp);
  await context.close();
}
await browser.close();
await node.close(0);
await runtime.close();
rmSync(dataDir, { recursive: true, force: true });

const gz = bundleGzipBytes();
const fmt = (xs: number[]) => `median ${median(xs).toFixed(0)} ms, max ${max(xs).toFixed(0)} ms (n=${xs.length})`;
console.log(`dashboard bundle: ${gz.files} JS/CSS files, ${(gz.bytes / 1024).toFixed(1)} KB gzipped (target < 200 KB)`);
console.log(`GET /executions?limit=50 over ${STORED.toLocaleString("en")} stored executions: ${fmt(apiMs)}`);
console.log(`first contentful paint of /ui: ${fmt(fcpMs)}`);
console.log(`first paint of the list with its first 50 rows, ${STORED.toLocaleString("en")} stored: ${fmt(paintMs)} (target < 1000 ms)`);
