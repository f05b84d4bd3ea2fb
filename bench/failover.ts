// Failover benchmark: how fast a crashed node's executions resume elsewhere, how fast placed steps are reconciled after
// nats-server restarts, and what fenced (conditional) event appends cost against plain ones, all in one run.
//   npm run bench:failover   (= tsc -p . && node dist/bench/failover.js)
import { existsSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { connect } from "@nats-io/transport-node";
import { jetstream } from "@nats-io/jetstream";
import { ClusterRejections, sealFor } from "../src/cluster/index.js";
import { JetStreamExecutionStore } from "../src/cluster/jetstream-store.js";
import { eventSubject } from "../src/cluster/subjects.js";
import { SealedStoreValues } from "../src/cluster/trust/sealed-store-values.js";
import type { ExecutionEvent } from "../src/engine/index.js";
import { silentLogger } from "../src/observability/index.js";
import { testTrust } from "../test/helpers/cluster-key.js";
import { post } from "../test/helpers/gateway-node.js";
import { FailoverCluster } from "./lib/failover-nodes.js";
import { fmt, median } from "./lib/stats.js";
import { SummaryTable } from "./lib/summary-table.js";

const KILLS = Number(process.env["FAILOVER_KILLS"] ?? 20);
const PLACED_IN_FLIGHT = 50;
const APPENDS = { executions: 200, eventsEach: 22 };

const table = new SummaryTable();
const log = (line = ""): void => console.log(line);
const ms = (value: number): string => `${fmt(value)} ms`;
const benchStart = performance.now();
const percentile = (values: number[], p: number): number => [...values].sort((a, b) => a - b)[Math.min(values.length - 1, Math.ceil((p / 100) * values.length) - 1)]!;

async function until<T>(probe: () => Promise<T | undefined>, timeoutMs: number, what: string): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

type Event = { seq: number; type: string; time: number };
const eventsOf = async (url: string, id: string): Promise<Event[]> => ((await post(url, "watch_execution", { execution_id: id, after_seq: 0, wait: 0 })).body["events"] as Event[] | undefined) ?? [];

log("Workflow Executor failover benchmark");
log("one nats-server (Debian's, own port and store dir), real `wfx node` processes; targets printed, never asserted");
log();

const cluster = await FailoverCluster.start();
try {
  // 1. SIGKILL of the node running an execution, to `execution.resumed` on the survivor.
  const survivor = await cluster.node("survivor-1");
  /** A node as the survivor lists it now; undefined when it lists none of that id. */
  const listed = async (id: string) => ((await post(survivor.url, "list_nodes", {})).body["nodes"] as { id: string; status: string; load: number }[]).find((n) => n.id === id);
  const resumedAfter: number[] = [];
  const downAfter: number[] = [];
  for (let i = 0; i < KILLS; i++) {
    const victimId = `victim-${i}`;
    const victim = await cluster.node(victimId);
    await until(async () => ((await listed(victimId))?.status === "up" ? true : undefined), 15_000, `${victimId} up`);
    const go = join(cluster.flows, `go-${i}`);
    const id = String((await post(victim.url, "execute_workflow", { workflow_name: "held", input_data: { go }, execution_mode: "async", target_instance: victimId })).body["execution_id"]);
    await until(async () => ((await eventsOf(survivor.url, id)).some((e) => e.type === "step.started") ? true : undefined), 15_000, "the step running on the victim");
    // Killed once the cluster knows the victim runs work (its load, sent at once when it turns busy): a crash in the
    // first milliseconds of an execution is found by the slower overdue-beat path instead.
    await until(async () => (((await listed(victimId))?.load ?? 0) > 0 ? true : undefined), 15_000, `${victimId} busy`);
    const killedAt = Date.now();
    await victim.kill("SIGKILL");
    // Where the time goes: the survivor seeing the victim down, then adopting and resuming.
    const down = await until(async () => ((await listed(victimId))?.status === "down" ? Date.now() : undefined), 30_000, `${victimId} down`);
    downAfter.push(down - killedAt);
    const resumed = await until(async () => (await eventsOf(survivor.url, id)).find((e) => e.type === "execution.resumed"), 30_000, "execution.resumed on the survivor");
    resumedAfter.push(resumed.time - killedAt); // event times are epoch milliseconds
    writeFileSync(go, "");
    await until(async () => ((await post(survivor.url, "check_execution_status", { execution_id: id })).body["status"] === "completed" ? true : undefined), 15_000, "the resumed execution done");
  }
  const p50 = median(resumedAfter);
  const p99 = percentile(resumedAfter, 99);
  log(`1. SIGKILL of the node running an execution (once the others list it busy) -> execution.resumed on another node, ${KILLS} kills: p50 ${ms(p50)}, p99 ${ms(p99)}, max ${ms(Math.max(...resumedAfter))}`);
  table.row(`SIGKILL -> execution.resumed, p50 (${KILLS} kills)`, ms(p50), "<= 1,000 ms", p50 <= 1000);
  table.row(`SIGKILL -> execution.resumed, p99 (${KILLS} kills)`, ms(p99));
  log(`   of which SIGKILL -> the victim listed down by the survivor: p50 ${ms(median(downAfter))}, p99 ${ms(percentile(downAfter, 99))}`);
  table.row(`  SIGKILL -> listed down, p50`, ms(median(downAfter)));

  // 2. nats-server killed and restarted while placed steps run: the time until every one of them is reconciled.
  await cluster.node("far-1", ["far"]);
  await until(async () => ((await listed("far-1"))?.status === "up" ? true : undefined), 15_000, "far-1 up");
  const go = join(cluster.flows, "go-placed");
  const ids: string[] = [];
  for (let i = 0; i < PLACED_IN_FLIGHT; i++) ids.push(String((await post(survivor.url, "execute_workflow", { workflow_name: "held_far", input_data: { go }, execution_mode: "async" })).body["execution_id"]));
  await until(async () => ((await Promise.all(ids.map((id) => eventsOf(survivor.url, id)))).every((events) => events.some((e) => e.type === "step.started")) ? true : undefined), 30_000, "every placed step running");
  await cluster.nats.stop("SIGKILL");
  writeFileSync(go, "");
  await new Promise((resolve) => setTimeout(resolve, 300)); // the steps end while NATS is away: their reports have nowhere to go
  await cluster.nats.start();
  const backAt = Date.now();
  await until(async () => {
    const statuses = await Promise.all(ids.map(async (id) => (await post(survivor.url, "check_execution_status", { execution_id: id })).body["status"]));
    return statuses.every((s) => s === "completed") ? true : undefined;
  }, 60_000, "every placed execution completed after NATS came back");
  const reconciledMs = Date.now() - backAt;
  log(`2. nats-server SIGKILLed and restarted with ${PLACED_IN_FLIGHT} placed steps in flight (all ending during the outage): all completed ${ms(reconciledMs)} after it was back`);
  table.row(`NATS restart -> ${PLACED_IN_FLIGHT} placed steps reconciled`, ms(reconciledMs), "bounded (every one)", existsSync(go));

  // 3. Fenced appends (conditional on the subject's last sequence, group-committed) against one plain publish per event.
  const nc = await connect({ servers: cluster.nats.url });
  const seal = sealFor(testTrust());
  const store = new JetStreamExecutionStore(nc, { replicas: 1, retentionMs: 3_600_000, seal, rejections: new ClusterRejections(silentLogger()) }, silentLogger());
  await store.flush();
  const eventOf = (execution: string, seq: number): ExecutionEvent => ({ execution_id: execution, seq, type: seq === 1 ? "execution.started" : "step.completed", time: Date.now() / 1000, step: `s${seq}`, data: { output: { n: seq } } }) as ExecutionEvent;
  const fencedStart = performance.now();
  for (let seq = 1; seq <= APPENDS.eventsEach; seq++) {
    for (let e = 0; e < APPENDS.executions; e++) store.appendEvent(eventOf(`fenced-${e}`, seq));
    await new Promise((resolve) => setImmediate(resolve));
  }
  await store.flush();
  const fencedUs = ((performance.now() - fencedStart) * 1000) / (APPENDS.executions * APPENDS.eventsEach);
  const js = jetstream(nc);
  const values = new SealedStoreValues(seal, new ClusterRejections(silentLogger()));
  const plainStart = performance.now();
  const acks: Promise<unknown>[] = [];
  for (let seq = 1; seq <= APPENDS.eventsEach; seq++) {
    for (let e = 0; e < APPENDS.executions; e++) {
      const event = eventOf(`plain-${e}`, seq);
      const subject = eventSubject(event.execution_id);
      acks.push(js.publish(subject, values.events(subject, [JSON.stringify(event)], [event]), { msgID: `${event.execution_id}:${seq}` }));
    }
    await new Promise((resolve) => setImmediate(resolve));
  }
  await Promise.all(acks);
  const plainUs = ((performance.now() - plainStart) * 1000) / (APPENDS.executions * APPENDS.eventsEach);
  log(`3. ${APPENDS.executions} executions x ${APPENDS.eventsEach} events, appended a round at a time: fenced (conditional, group-committed) ${fmt(fencedUs)} µs/event; plain (one unconditional publish per event, pipelined) ${fmt(plainUs)} µs/event; fenced / plain ${fmt(fencedUs / plainUs)}x`);
  table.row("fenced append per event / plain publish per event", `${fmt(fencedUs / plainUs)}x`, "<= 1.2x", fencedUs / plainUs <= 1.2);
  table.row("  fenced append per event", `${fmt(fencedUs)} µs`);
  table.row("  plain publish per event", `${fmt(plainUs)} µs`);
  await store.close();
  await nc.close();
} finally {
  await cluster.close();
}
table.print(log, benchStart);
