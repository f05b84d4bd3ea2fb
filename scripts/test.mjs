// Runs every test file in its own process, a few at once, and ends with a plain "N passed, N failed" line CI tools can
// read. Files are independent (each starts its own nats-server, nodes and temp dirs), so they run in parallel; the
// heaviest start first so the run ends on short ones. WFX_TEST_JOBS sets how many run at once; a filter argument
// (a regular expression over file names) runs only the matching files.
import { spawn } from "node:child_process";
import { availableParallelism } from "node:os";
import { readdirSync } from "node:fs";
import { fileURLToPath } from "node:url";

const root = fileURLToPath(new URL("..", import.meta.url));
const dir = `${root}dist/test`;
const filter = new RegExp(process.argv[2] ?? "\\.test\\.js$");
const jobs = Number(process.env.WFX_TEST_JOBS ?? Math.min(3, availableParallelism() + 1));
/** Files that spawn clusters or browsers go first: the longest poles. */
const HEAVY = /^(cluster-|ui-|helm-chart-node|gateway-grpc|gateway-idempotency|engine-crash|engine-isolated|generator-fit|cli)/;

const files = readdirSync(dir).filter((f) => f.endsWith(".test.js") && filter.test(f)).sort((a, b) => Number(HEAVY.test(b)) - Number(HEAVY.test(a)) || a.localeCompare(b));
const results = [];
const started = performance.now();

function runFile(file) {
  return new Promise((resolve) => {
    const t0 = performance.now();
    const child = spawn(process.execPath, [file], { cwd: root, stdio: ["ignore", "pipe", "pipe"], env: { ...process.env, NO_COLOR: "1", FORCE_COLOR: "0" } });
    let output = "";
    child.stdout.on("data", (chunk) => (output += chunk));
    child.stderr.on("data", (chunk) => (output += chunk));
    child.on("close", (code, signal) => {
      const count = (label) => Number(output.match(new RegExp(`${label}:\\s+(\\d+)`))?.[1] ?? 0);
      const total = count("Total");
      const passed = count("Passed");
      // A file that crashed or reported nothing counts as one failure, so it can never pass silently.
      const failed = total === 0 || code !== 0 || signal ? Math.max(1, total - passed) : total - passed;
      const seconds = (performance.now() - t0) / 1000;
      process.stdout.write(`\n${file}  (${seconds.toFixed(1)} s)\n${output.trim()}\n`);
      results.push({ file, passed, failed, seconds });
      resolve();
    });
  });
}

const queue = [...files];
await Promise.all(Array.from({ length: Math.max(1, jobs) }, async () => {
  for (let file = queue.shift(); file !== undefined; file = queue.shift()) await runFile(`dist/test/${file}`);
}));

const passed = results.reduce((n, r) => n + r.passed, 0);
const failed = results.reduce((n, r) => n + r.failed, 0);
const slowest = [...results].sort((a, b) => b.seconds - a.seconds).slice(0, 8).map((r) => `${r.file.replace("dist/test/", "")} ${r.seconds.toFixed(0)} s`);
const failing = results.filter((r) => r.failed > 0).map((r) => r.file);
process.stdout.write(`\n${files.length} files, ${jobs} at once, ${((performance.now() - started) / 1000).toFixed(0)} s; slowest: ${slowest.join(", ")}\n`);
if (failing.length > 0) process.stdout.write(`failing files: ${failing.join(", ")}\n`);
process.stdout.write(`${passed} passed, ${failed} failed\n`);
process.exitCode = failed > 0 || files.length === 0 ? 1 : 0;
