// Dispatch benchmark: how idle nodes find work queued on full ones, with 100 and 1,000 simulated idle nodes on one
// nats-server: the record view (every node watches every record write and lists the queued ones, what the balancer did
// before the offer board) beside the offer board (src/cluster/queue-offers.ts: a JetStream work queue each idle node
// looks at once a second and pulls from). Both carry the same store writes (executions queued on full nodes, each
// writing its record three times: queued, running, ended); the board adds one signed offer per queued execution.
// Traffic read from the server's /varz.
//   npm run bench:dispatch   (= tsc -p . && node dist/bench/dispatch.js)   DISPATCH_SIZES=100,1000 DISPATCH_RATE=20 DISPATCH_WINDOW_S=10
import { randomBytes } from "node:crypto";
import { Kvm } from "@nats-io/kv";
import { connect } from "@nats-io/transport-node";
import { QueueOffers } from "../src/cluster/queue-offers.js";
import { sealFor } from "../src/cluster/trust/cluster-seal.js";
import { ClusterRejections } from "../src/cluster/trust/rejections.js";
import { SealedStoreValues } from "../src/cluster/trust/sealed-store-values.js";
import { silentLogger } from "../src/observability/index.js";
import { testTrust } from "../test/helpers/cluster-key.js";
import type { FromDispatchChild, ToDispatchChild } from "./lib/dispatch-child.js";
import { AskedChild } from "../test/helpers/asked-child.js";
import { MonitoredNats, trafficRate } from "./lib/monitored-nats.js";
import { fmt, mib, summary } from "./lib/stats.js";
import { SummaryTable } from "./lib/summary-table.js";

const SIZES = (process.env["DISPATCH_SIZES"] ?? "100,1000").split(",").map(Number);
/** Executions queued on full nodes per second, each taken by an idle node. */
const RATE = Number(process.env["DISPATCH_RATE"] ?? 20);
const WINDOW_MS = Number(process.env["DISPATCH_WINDOW_S"] ?? 10) * 1000;
const PER_PROCESS = 250;
/** How long a simulated node runs what it took before it looks again. */
const RUN_MS = 1000;
/** A sealed execution record with its resume spec is about this big. */
const RECORD_BYTES = 1200;
const BUCKET = "bench-records";
type Design = "view" | "board";

const log = (line = ""): void => console.log(line);
const table = new SummaryTable();
const benchStart = performance.now();
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

type Group = AskedChild<ToDispatchChild, FromDispatchChild>;
const startGroup = (url: string, design: Design, count: number): Promise<Group> =>
  AskedChild.start<ToDispatchChild, FromDispatchChild>(new URL("./lib/dispatch-child.js", import.meta.url), { t: "start", url, role: design === "view" ? "watcher" : "taker", count, bucket: BUCKET, runMs: RUN_MS });
const report = (g: Group) => g.ask<Extract<FromDispatchChild, { t: "report" }>>({ t: "report" });

interface Figures {
  msgsPerS: number;
  bytesPerS: number;
  deliveredPerS: number;
  posted: number;
  taken: number;
  takeP50: number;
  takeP99: number;
}


async function measure(nats: MonitoredNats, size: number, design: Design): Promise<Figures> {
  const nc = await connect({ servers: nats.url });
  const kv = await new Kvm(nc).create(BUCKET, { history: 1 });
  const offers = new QueueOffers(nc, new SealedStoreValues(sealFor(testTrust()), new ClusterRejections(silentLogger())), 1);
  const groups: Group[] = [];
  try {
    for (let i = 0; i < size; i += PER_PROCESS) groups.push(await startGroup(nats.url, design, Math.min(PER_PROCESS, size - i)));
    await sleep(2000);
    for (const g of groups) await report(g);
    const before = await nats.traffic();
    const began = performance.now();
    let posted = 0;
    const value = randomBytes(RECORD_BYTES);
    for (let i = 0; performance.now() - began < WINDOW_MS; i++) {
      // One execution queued on a full node: its record written (queued, then running and ended as the taker runs it).
      const id = `${Date.now()}-${i}`;
      for (let w = 0; w < 3; w++) setTimeout(() => void kv.put(`exec.${i}`, value).catch(() => undefined), w * 200);
      if (design === "board") void offers.post(id, "full-node", [], 5).then(() => posted++, () => undefined);
      await sleep(1000 / RATE);
    }
    const seconds = (performance.now() - began) / 1000;
    const traffic = trafficRate(before, await nats.traffic(), seconds);
    await sleep(RUN_MS + 1500);
    const reports = await Promise.all(groups.map(report));
    const takenMs = reports.flatMap((r) => r.takenMs);
    const latency = summary(takenMs.length > 0 ? takenMs : [Number.NaN]);
    return { msgsPerS: traffic.msgs, bytesPerS: traffic.bytes, deliveredPerS: reports.reduce((s, r) => s + r.delivered, 0) / seconds, posted, taken: takenMs.length, takeP50: latency.p50, takeP99: latency.p99 };
  } finally {
    for (const g of groups) await g.stop();
    await new Kvm(nc).open(BUCKET).then((b) => b.destroy()).catch(() => undefined);
    await nc.close();
    await sleep(500);
  }
}

log("Workflow Executor dispatch benchmark: idle nodes finding queued work, the record view beside the offer board, one nats-server");
log(`simulated idle nodes over their own NATS connections, ${PER_PROCESS} per process; ${RATE} executions/s queued on full nodes, each writing a ${RECORD_BYTES}-byte record 3 times; traffic from /varz (in + out), ${WINDOW_MS / 1000} s window`);
log();
const nats = await MonitoredNats.start();
try {
  for (const size of SIZES) {
    const results: Partial<Record<Design, Figures>> = {};
    for (const design of ["view", "board"] as const) {
      const f = await measure(nats, size, design);
      results[design] = f;
      const detail = design === "view" ? `${fmt(f.deliveredPerS)} record writes/s delivered to the nodes' views` : `${f.taken} of ${f.posted} offers taken, post to take p50 ${fmt(f.takeP50)} ms, p99 ${fmt(f.takeP99)} ms`;
      log(`${size} idle nodes, ${design === "view" ? "record view" : "offer board"}: ${fmt(f.msgsPerS)} msgs/s, ${mib(f.bytesPerS)}/s through the server; ${detail}`);
    }
    const { view, board } = results as Record<Design, Figures>;
    table.row(`${size} nodes: messages/s view -> board`, `${fmt(view.msgsPerS)} -> ${fmt(board.msgsPerS)}`);
    table.row(`${size} nodes: bytes/s view -> board`, `${mib(view.bytesPerS)} -> ${mib(board.bytesPerS)}`);
    table.row(`${size} nodes: board bytes/s / view`, fmt(board.bytesPerS / view.bytesPerS), "< 0.5", board.bytesPerS / view.bytesPerS < 0.5);
    table.row(`${size} nodes: offers taken / posted`, `${board.taken} / ${board.posted}`, "all", board.taken === board.posted && board.posted > 0);
    table.row(`${size} nodes: post to take p99`, `${fmt(board.takeP99)} ms`, "<= 1,500 ms (a look a second)", board.takeP99 <= 1500);
  }
} finally {
  await nats.close();
}
table.print(log, benchStart);
