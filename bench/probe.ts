// Probe benchmark: what one kubelet probe of a pool without gateways costs the pod, the probe port's httpGet beside the
// chart's former exec probe (a forked `node -e fetch(...)` against a loopback HTTP gateway), measured in the same run.
//   npm run bench:probe   (= tsc -p . && node dist/bench/probe.js)
import { execFile } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { request, type Agent } from "node:http";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { promisify } from "node:util";
import { freePort } from "../test/helpers/nats-server.js";
import { startServe } from "../test/helpers/serve-process.js";
import { fmt, median } from "./lib/stats.js";
import { SummaryTable } from "./lib/summary-table.js";

const HTTP_GETS = 1000;
const WARMUP = 100;
const FORKS = 20;
// clock ticks per second of /proc/PID/stat's utime and stime (USER_HZ, 100 on Linux).
const TICKS_PER_S = 100;
// How long the idle node is watched for its own CPU (timers, orphan scans), taken out of both figures.
const IDLE_MS = 10_000;

const table = new SummaryTable();
const log = (line = ""): void => console.log(line);
const benchStart = performance.now();

/** CPU seconds (user + system) a process has used so far, from /proc. */
function cpuSeconds(pid: number): number {
  const fields = readFileSync(`/proc/${pid}/stat`, "utf8").split(") ")[1]!.split(" ");
  return (Number(fields[11]) + Number(fields[12])) / TICKS_PER_S;
}

/** One GET on a fresh connection, as the kubelet's httpGet sends it; resolves with the status. */
function httpGet(url: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = request(url, { agent: false as unknown as Agent, headers: { connection: "close" } }, (res) => {
      res.resume();
      res.on("end", () => resolve(res.statusCode ?? 0));
    });
    req.once("error", reject);
    req.end();
  });
}

/** CPU seconds the process uses while `work` runs, less what it uses idle at `idlePerMs` over the same wall time. */
async function netCpuSeconds(pid: number, idlePerMs: number, work: () => Promise<void>): Promise<number> {
  const [before, started] = [cpuSeconds(pid), performance.now()];
  await work();
  return cpuSeconds(pid) - before - idlePerMs * (performance.now() - started);
}

/** The chart's former exec probe, run under /usr/bin/time: wall ms, the child's CPU seconds and peak RSS in MiB. */
async function execProbe(url: string): Promise<{ wallMs: number; cpuS: number; rssMiB: number }> {
  const script = `fetch('${url}').then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))`;
  const started = performance.now();
  const { stderr } = await promisify(execFile)("/usr/bin/time", ["-f", "%U %S %M", process.execPath, "-e", script]);
  const wallMs = performance.now() - started;
  const [user, system, rssKiB] = stderr.trim().split("\n").at(-1)!.split(" ").map(Number) as [number, number, number];
  return { wallMs, cpuS: user + system, rssMiB: rssKiB / 1024 };
}

const dataDir = mkdtempSync(join(tmpdir(), "wfx-bench-probe-"));
const probePort = await freePort();
// One node serving both: its HTTP gateway (what the exec probe fetched on loopback) and the probe port.
const node = await startServe(dataDir, ["--probe-port", String(probePort), "--probe-host", "127.0.0.1"], { WFX_LOG_LEVEL: "warn" });
const pid = node.child.pid!;
log(`one wfx serve (pid ${pid}): HTTP gateway ${node.url}, probe port ${node.probeUrl()}; targets printed, never asserted`);
try {
  const probeHealth = `${node.probeUrl()}/health`;
  for (let i = 0; i < WARMUP; i++) await httpGet(probeHealth);
  const idleBefore = cpuSeconds(pid);
  await sleep(IDLE_MS);
  const idlePerMs = (cpuSeconds(pid) - idleBefore) / IDLE_MS;
  const walls: number[] = [];
  const clientCpuBefore = process.cpuUsage();
  const probeCpuS = await netCpuSeconds(pid, idlePerMs, async () => {
    for (let i = 0; i < HTTP_GETS; i++) {
      const started = performance.now();
      const status = await httpGet(probeHealth);
      walls.push((performance.now() - started) * 1000);
      if (status !== 200) throw new Error(`the probe port answered ${status}`);
    }
  });
  const nodeCpuUs = (probeCpuS / HTTP_GETS) * 1e6;
  const client = process.cpuUsage(clientCpuBefore);
  const clientCpuUs = (client.user + client.system) / HTTP_GETS;

  const gatewayHealth = `${node.url}/health`;
  await execProbe(gatewayHealth);
  const forks: { wallMs: number; cpuS: number; rssMiB: number }[] = [];
  const gatewayCpuS = await netCpuSeconds(pid, idlePerMs, async () => {
    for (let i = 0; i < FORKS; i++) forks.push(await execProbe(gatewayHealth));
  });
  // Clamped: the gateway's share of 20 requests is below /proc's 10 ms resolution and the idle estimate's noise.
  const gatewayCpuUs = Math.max(0, (gatewayCpuS / FORKS) * 1e6);
  const forkCpuMs = median(forks.map((f) => f.cpuS * 1000));
  const forkWallMs = median(forks.map((f) => f.wallMs));

  table.row(`probe port httpGet /health, fresh connection, wall p50 (${HTTP_GETS} requests)`, `${fmt(median(walls))} µs`);
  table.row(`  its CPU in the node (/proc, per request, less its idle ${fmt(idlePerMs * 1e6)} µs/s) / in the client (the kubelet's, not the pod's)`, `${fmt(nodeCpuUs)} / ${fmt(clientCpuUs)} µs`);
  table.row(`former exec probe: forked node -e fetch of the loopback gateway's /health, wall p50 (${FORKS} forks)`, `${fmt(forkWallMs)} ms`);
  table.row("  its CPU: the forked process (user+sys, p50) / the node's gateway (per probe); the fork's peak RSS", `${fmt(forkCpuMs)} ms / ${fmt(gatewayCpuUs)} µs; ${fmt(median(forks.map((f) => f.rssMiB)))} MiB`);
  const ratio = (forkCpuMs * 1000 + gatewayCpuUs) / nodeCpuUs;
  table.row("pod CPU per probe: exec probe / probe port", `${fmt(ratio)}x`, ">= 100x", ratio >= 100);
  // The chart probes readiness every 5 s, liveness every 10 s: 0.3 probes/s per pod once started.
  const perPodCores = (probesPerSecond: number, cpuUsPerProbe: number) => (probesPerSecond * cpuUsPerProbe) / 1e6;
  table.row("pod CPU spent on probes at the chart's periods (0.3/s): exec / probe port, cores", `${fmt(perPodCores(0.3, forkCpuMs * 1000 + gatewayCpuUs))} / ${fmt(perPodCores(0.3, nodeCpuUs))}`);
} finally {
  await node.kill("SIGTERM");
  rmSync(dataDir, { recursive: true, force: true });
}
table.print(log, benchStart);
