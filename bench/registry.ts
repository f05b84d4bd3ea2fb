// Registry benchmark: today's beats (every beat whole, to every node) beside delta beats (changes, a slow refresh and
// ring-watched liveness), with 100 and 1,000 simulated nodes (the real registry classes, a few hundred per process)
// on one nats-server of the benchmark's own; traffic read from the server's /varz.
//   npm run bench:registry   (= tsc -p . && node dist/bench/registry.js)   REGISTRY_SIZES=100,1000 REGISTRY_WINDOW_S=10 REGISTRY_CHURN=0.1
import type { BeatMode } from "../src/cluster/registry/beat-protocol.js";
import { startMember } from "../test/helpers/registry-member.js";
import { AskedChild } from "../test/helpers/asked-child.js";
import { MonitoredNats, trafficRate } from "./lib/monitored-nats.js";
import type { FromChild, ToChild } from "../test/helpers/registry-members-child.js";
import { fmt, mib, summary } from "./lib/stats.js";
import { SummaryTable } from "./lib/summary-table.js";

const SIZES = (process.env["REGISTRY_SIZES"] ?? "100,1000").split(",").map(Number);
const WINDOW_MS = Number(process.env["REGISTRY_WINDOW_S"] ?? 10) * 1000;
const PER_PROCESS = 250;
const NEWCOMERS = Number(process.env["REGISTRY_NEWCOMERS"] ?? 5);
/** Of the members, this share changes its load each second (executions starting and ending); REGISTRY_CHURN=0.02 lets 1,000 members fit on 2 cores. */
const CHURN = Number(process.env["REGISTRY_CHURN"] ?? 0.1);
const CONVERGE_MS = 60_000;
/** REGISTRY_MODES=delta measures one design alone (today's full beats take minutes just to start 1,000 nodes here). */
const MODES = (process.env["REGISTRY_MODES"] ?? "full,delta").split(",") as BeatMode[];

const log = (line = ""): void => console.log(line);
const table = new SummaryTable();
const benchStart = performance.now();

interface Figures {
  msgsPerS: number;
  bytesPerS: number;
  converged: boolean;
  pickUs: number;
  requestP50: number;
  requestP99: number;
  seenP50: number;
  seenP99: number;
  unseen: number;
  newcomerFullViewMs: number;
}

type Members = AskedChild<ToChild, FromChild>;
const startMembers = (url: string, beats: BeatMode, ids: string[]): Promise<Members> =>
  AskedChild.start<ToChild, FromChild>(new URL("../test/helpers/registry-members-child.js", import.meta.url), { t: "start", url, beats, ids, churn: CHURN });

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function measure(nats: MonitoredNats, size: number, beats: BeatMode): Promise<Figures> {
  const ids = Array.from({ length: size }, (_, i) => `sim-${String(i).padStart(4, "0")}`);
  const groups: Members[] = [];
  const began = Date.now();
  // Progress on stderr: a 1,000-node run takes minutes on a small machine, and says where it is.
  const progress = (what: string) => process.stderr.write(`  [${beats} ${size}] ${what} at ${((Date.now() - began) / 1000).toFixed(1)} s\n`);
  for (let i = 0; i < size; i += PER_PROCESS) {
    groups.push(await startMembers(nats.url, beats, ids.slice(i, i + PER_PROCESS)));
    progress(`${Math.min(size, i + PER_PROCESS)} members started`);
  }
  try {
    const deadline = Date.now() + CONVERGE_MS;
    let converged = false;
    while (Date.now() < deadline) {
      const views = await Promise.all(groups.map((g) => g.ask<Extract<FromChild, { t: "views" }>>({ t: "views" })));
      if (views.every((v) => v.minUp >= size)) {
        converged = true;
        break;
      }
      await sleep(250);
    }
    progress(converged ? "every member sees every other up" : "not converged within the bound; measuring anyway");
    await sleep(2000);
    const before = await nats.traffic();
    const at = performance.now();
    await sleep(WINDOW_MS);
    const rate = trafficRate(before, await nats.traffic(), (performance.now() - at) / 1000);
    const placement = await groups[0]!.ask<Extract<FromChild, { t: "place" }>>({ t: "place" });
    // Newcomers: from starting the registry to each simulated node listing it up, and to its own view holding them all.
    const seen: number[] = [];
    let unseen = 0;
    const fullView: number[] = [];
    progress("traffic measured; newcomers next");
    for (let k = 0; k < NEWCOMERS; k++) {
      const id = `newcomer-${beats}-${size}-${k}`;
      progress(`newcomer ${k + 1} of ${NEWCOMERS}`);
      for (const g of groups) g.tell({ t: "expect", id });
      await sleep(200);
      const startedAt = Date.now();
      const newcomer = await startMember(nats.url, id, { beats });
      const viewDeadline = Date.now() + 30_000;
      while (newcomer.registry.snapshot().filter((n) => n.status === "up").length < size + 1 && Date.now() < viewDeadline) await sleep(2);
      fullView.push(Date.now() - startedAt);
      await sleep(3000);
      for (const g of groups) {
        const { seenAt } = await g.ask<Extract<FromChild, { t: "expected" }>>({ t: "expected", id });
        for (const t of seenAt) if (t === null) unseen++; else seen.push(t - startedAt);
      }
      await newcomer.close();
    }
    const seenSummary = summary(seen.length > 0 ? seen : [Number.NaN]);
    return { msgsPerS: rate.msgs, bytesPerS: rate.bytes, converged, ...placement, seenP50: seenSummary.p50, seenP99: seenSummary.p99, unseen, newcomerFullViewMs: summary(fullView).p50 };
  } finally {
    for (const g of groups) await g.stop();
    await sleep(1000);
  }
}

log("Workflow Executor registry benchmark: full beats (today's) beside delta beats, one nats-server, simulated nodes");
log(`simulated nodes are the real registry classes over their own NATS connections, ${PER_PROCESS} per process; ${CHURN * 100}% of them change load each second; traffic from /varz (in + out), ${WINDOW_MS / 1000} s window`);
log();
const nats = await MonitoredNats.start();
try {
  for (const size of SIZES) {
    const results: Partial<Record<BeatMode, Figures>> = {};
    for (const beats of MODES) {
      const f = await measure(nats, size, beats);
      results[beats] = f;
      log(`${size} nodes, ${beats} beats: ${fmt(f.msgsPerS)} msgs/s, ${mib(f.bytesPerS)}/s through the server${f.converged ? "" : " (views never all complete: clients fell behind)"}; pick a node from the local view ${fmt(f.pickUs)} µs; request to the chosen node p50 ${fmt(f.requestP50)} ms, p99 ${fmt(f.requestP99)} ms; newcomer seen by the others p50 ${fmt(f.seenP50)} ms, p99 ${fmt(f.seenP99)} ms${f.unseen > 0 ? ` (${f.unseen} sightings missing after 3 s)` : ""}; newcomer's own view complete p50 ${fmt(f.newcomerFullViewMs)} ms`);
    }
    const full = results.full;
    const dlt = results.delta;
    if (full === undefined || dlt === undefined) continue;
    table.row(`${size} nodes: messages/s full -> delta`, `${fmt(full.msgsPerS)} -> ${fmt(dlt.msgsPerS)}`, "-");
    table.row(`${size} nodes: messages/s delta/full`, fmt(dlt.msgsPerS / full.msgsPerS), "< 0.1", dlt.msgsPerS / full.msgsPerS < 0.1);
    table.row(`${size} nodes: bytes/s full -> delta`, `${mib(full.bytesPerS)} -> ${mib(dlt.bytesPerS)}`, "-");
    table.row(`${size} nodes: bytes/s delta/full`, fmt(dlt.bytesPerS / full.bytesPerS), "< 0.1", dlt.bytesPerS / full.bytesPerS < 0.1);
    table.row(`${size} nodes: pick from local view delta/full`, fmt(dlt.pickUs / full.pickUs));
    table.row(`${size} nodes: request to chosen node p99 delta/full`, fmt(dlt.requestP99 / full.requestP99));
    table.row(`${size} nodes: newcomer seen p99 full -> delta`, `${fmt(full.seenP99)} -> ${fmt(dlt.seenP99)} ms`, "<= 1,000 ms", dlt.seenP99 <= 1000);
  }
} finally {
  await nats.close();
}
table.print(log, benchStart);
