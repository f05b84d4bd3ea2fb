import { execFile } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { startNatsServer } from "../../test/helpers/nats-server.js";
import { startServe } from "../../test/helpers/serve-process.js";
import type { CallersPlan, CallersResult } from "./http-sync-callers.js";
import { FIXTURES } from "./setup.js";
import { fmt, median, spread, summary } from "./stats.js";

const PLAN: Omit<CallersPlan, "urls"> = {
  workflow: "linear3",
  rounds: { warmup: 2000, blocks: 4, perBlock: 500 },
  load: { concurrency: 32, warmupMs: 2000, roundMs: 1500, rounds: 4 },
};
const CALLERS = fileURLToPath(new URL("./http-sync-callers.js", import.meta.url));
const SERVE = "wfx serve";
const NODE = "wfx node";

export interface NodeVsServeOptions {
  /** Where both processes write their CPU profiles (`<dir>/serve`, `<dir>/node`); none unless given. */
  profileDir?: string;
  log(line?: string): void;
  row(name: string, measured: string, target?: string, pass?: boolean): void;
}

/**
 * A `wfx node` alone on a nats-server started here (its store on JetStream) against a `wfx serve` (embedded store),
 * both serving the 3-step no-op `linear3` over HTTP: sync `execute_workflow` from one caller (p50, p99) and from 32 in
 * flight (executions/s), callers in a child process, the two systems taking turns. Targets are printed, not asserted.
 */
export async function nodeAgainstServe(options: NodeVsServeOptions): Promise<void> {
  const { log, row } = options;
  const dirs = [mkdtempSync(join(tmpdir(), "wfx-bench-serve-")), mkdtempSync(join(tmpdir(), "wfx-bench-node-"))] as const;
  const nats = await startNatsServer();
  const quiet = { WFX_LOG_LEVEL: "warn" };
  const limits = ["--workflows", FIXTURES, "--max-concurrent", "256"];
  const profiled = (name: string) => (options.profileDir === undefined ? [] : ["--cpu-prof", `--cpu-prof-dir=${join(options.profileDir, name)}`]);
  const serve = await startServe(dirs[0], limits, quiet, "serve", profiled("serve"));
  const node = await startServe(dirs[1], [...limits, "--nats", nats.url, "--node-id", "bench-node"], quiet, "node", profiled("node"));
  let result: CallersResult;
  try {
    const plan: CallersPlan = { ...PLAN, urls: { [SERVE]: `${serve.url}/execute_workflow`, [NODE]: `${node.url}/execute_workflow` } };
    const { stdout } = await promisify(execFile)(process.execPath, [CALLERS, JSON.stringify(plan)], { maxBuffer: 256 * 1024 * 1024 });
    result = JSON.parse(stdout) as CallersResult;
  } finally {
    await node.kill("SIGTERM");
    await serve.kill("SIGTERM");
    await nats.close();
    for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
  }
  const one = { serve: summary(result.latency[SERVE]!), node: summary(result.latency[NODE]!) };
  const rate = { serve: median(result.perSecond[SERVE]!), node: median(result.perSecond[NODE]!) };
  const tail = { serve: summary(result.loadedLatency[SERVE]!), node: summary(result.loadedLatency[NODE]!) };
  const p50Ratio = one.node.p50 / one.serve.p50;
  const rateRatio = rate.node / rate.serve;
  const { rounds, load } = PLAN;
  log(`7. a cluster node (\`wfx node\`, JetStream store on the nats-server started here) against \`wfx serve\` (embedded store), 3-step no-op ${PLAN.workflow}, sync HTTP execute_workflow,`);
  log(`   keep-alive node:http callers in a child process; one caller: ${rounds.warmup} warm-up calls each, ${rounds.blocks * rounds.perBlock} timed in blocks taking turns; ${load.concurrency} in flight: ${load.rounds} rounds of ${fmt(load.roundMs)} ms each, taking turns`);
  log(`   one caller:   wfx serve p50 ${fmt(one.serve.p50)} ms, p99 ${fmt(one.serve.p99)} ms;  wfx node p50 ${fmt(one.node.p50)} ms, p99 ${fmt(one.node.p99)} ms;  node / serve p50 ${fmt(p50Ratio)}x`);
  log(`   ${load.concurrency} in flight: wfx serve ${fmt(rate.serve)} executions/s [${spread(result.perSecond[SERVE]!)}], p99 ${fmt(tail.serve.p99)} ms;  wfx node ${fmt(rate.node)} executions/s [${spread(result.perSecond[NODE]!)}], p99 ${fmt(tail.node.p99)} ms;  node / serve ${fmt(rateRatio)}x`);
  row("wfx node / wfx serve, 1 caller, p50", `${fmt(p50Ratio)}x (${fmt(one.node.p50)} vs ${fmt(one.serve.p50)} ms)`, "<= 1.5x", p50Ratio <= 1.5);
  row(`wfx node / wfx serve, ${load.concurrency} in flight`, `${fmt(rateRatio)}x (${fmt(rate.node)} vs ${fmt(rate.serve)}/s)`, ">= 0.7x", rateRatio >= 0.7);
  row(`  same, p99 under load`, `${fmt(tail.node.p99)} vs ${fmt(tail.serve.p99)} ms`);
}
