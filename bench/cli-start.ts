import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { fmt } from "./lib/stats.js";
import { SummaryTable } from "./lib/summary-table.js";

// `wfx --version` and `wfx run` of a small workflow against a bare `node -e 0`, alternated in one run (the baseline
// is measured beside them, so a loaded machine moves all three).
const ROUNDS = Number(process.env["CLI_ROUNDS"] ?? 15);
const ROOT = fileURLToPath(new URL("../../", import.meta.url));
const WFX = join(ROOT, "dist/src/cli/main.js");
const WORKFLOW = join(ROOT, "examples/linear/linear.yaml");
const benchStart = performance.now();
const log = (line = ""): void => console.log(line);

function wallMs(args: string[]): number {
  const started = performance.now();
  const result = spawnSync(process.execPath, args, { stdio: ["ignore", "ignore", "pipe"] });
  if (result.status !== 0) throw new Error(`node ${args.join(" ")} exited ${result.status}: ${result.stderr.toString().slice(-500)}`);
  return performance.now() - started;
}

const median = (values: number[]): number => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;
const dataDir = mkdtempSync(join(tmpdir(), "wfx-cli-start-"));
const bare: number[] = [];
const version: number[] = [];
const run: number[] = [];
try {
  for (let i = 0; i < ROUNDS; i++) {
    bare.push(wallMs(["-e", "0"]));
    version.push(wallMs([WFX, "--version"]));
    // A fresh data dir each round: the run opens an empty store, as on a new machine.
    run.push(wallMs([WFX, "run", WORKFLOW, "--data-dir", join(dataDir, String(i)), "--json"]));
  }
} finally {
  rmSync(dataDir, { recursive: true, force: true });
}
const b = median(bare), v = median(version), r = median(run);
log(`${ROUNDS} rounds, medians: node -e 0 ${fmt(b)} ms; wfx --version ${fmt(v)} ms (${fmt(v / b)}x); wfx run examples/linear ${fmt(r)} ms (${fmt(r / b)}x)`);
const table = new SummaryTable();
table.row("wfx --version / node -e 0, wall", `${fmt(v / b)}x`, "<= 2x", v / b <= 2);
table.row("wfx run examples/linear / node -e 0, wall", `${fmt(r / b)}x`, "<= 4x", r / b <= 4);
table.row("  node -e 0", `${fmt(b)} ms`);
table.print(log, benchStart);
