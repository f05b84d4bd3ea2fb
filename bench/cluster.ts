// Cluster benchmark: every figure is measured in this run, on one nats-server it starts; targets are printed, never asserted.
//   npm run bench:cluster   (= tsc -p . && node dist/bench/cluster.js)
import { cpus } from "node:os";
import { connect } from "@nats-io/transport-node";
import { ClusterSeal, clusterKeyOf, place, type PlacementResult } from "../src/cluster/index.js";
import { seeded } from "../test/helpers/seeded.js";
import { bullmqRoundTrip, redisAnswers, REDIS } from "./lib/bullmq-round-trip.js";
import { startBenchCluster } from "./lib/cluster-nodes.js";
import { failureDetection } from "./lib/failure-detection.js";
import { nodeAgainstServe } from "./lib/node-vs-serve.js";
import { syncRounds } from "./lib/measure.js";
import { PLACEMENT_REQUESTS, registeredNodes } from "./lib/placement-nodes.js";
import { readyChild } from "./lib/ready-child.js";
import { roundTripsInBlocks, type TimedPath } from "./lib/round-trips.js";
import { fmt, spread, summary } from "./lib/stats.js";
import { SummaryTable } from "./lib/summary-table.js";
import { closedLoop } from "./lib/throughput.js";

/** 2,000 timed calls per path, in four blocks of 500 taking turns with the other paths, after 3,000 warm-up calls each. */
const ROUNDS = { warmup: 3000, blocks: 4, perBlock: 500 };
const THROUGHPUT = { concurrency: 100, warmupMs: 1500, roundMs: 1000, rounds: 3 };
const PLACEMENT = { nodes: 1000, batch: 100, warmupMs: 300, roundMs: 300, rounds: 3 };
const ECHO_SUBJECT = "bench.echo";

const table = new SummaryTable();
const row = table.row.bind(table);
const log = (line = ""): void => console.log(line);
const us = (ms: number): string => `${fmt(ms * 1000)} µs`;
const pair = (s: { p50: number; p99: number }): string => `p50 ${us(s.p50)}, p99 ${us(s.p99)}`;

const benchStart = performance.now();
log("Workflow Executor cluster benchmark");
log(`node ${process.version} (${process.platform}/${process.arch}), CPU: ${cpus()[0]?.model ?? "unknown"} x ${cpus().length}`);
log("one nats-server (Debian's, own port and store dir); this process runs the supervisors (embedded store), a `wfx node` child process offers the tag the placed steps ask for");
log(`latency: ${ROUNDS.warmup} warm-up calls per path, then ${ROUNDS.blocks * ROUNDS.perBlock} timed in ${ROUNDS.blocks} blocks of ${ROUNDS.perBlock}, the paths taking turns block by block`);
log();

/** What the run opened, closed in reverse order at the end, also when a step of the run throws. */
const opened: (() => Promise<unknown>)[] = [];
try {
  const cluster = await startBenchCluster();
  opened.push(() => cluster.close());
  const { runtime, source } = cluster;
  // The baseline for what the cluster key costs: a second cluster (its own nats-server and worker) with nothing sealed.
  const insecure = await startBenchCluster({ insecure: true });
  opened.push(() => insecure.close());
  const echo = await readyChild("nats-echo-child", [cluster.nats.url, ECHO_SUBJECT]);
  opened.push(() => echo.stop());
  const requester = await connect({ servers: cluster.nats.url });
  opened.push(() => requester.close());
  const bullmq = (await redisAnswers()) ? await bullmqRoundTrip() : undefined;
  if (bullmq !== undefined) opened.push(() => bullmq.close());

  // Latency paths, measured together so a noisy moment of the shared machine lands on all of them alike.
  const payload = new TextEncoder().encode(JSON.stringify({ value: 1 }));
  const execution = (workflowName: string, node: string, on = cluster): TimedPath => ({
    name: on === cluster ? workflowName : `${workflowName} (insecure)`,
    async call() {
      const record = await on.runtime.execute({ source: on.source, workflowName, input: { value: 1 } });
      if (record.status !== "completed" || record.result !== 1 || record.steps[0]?.node !== node) throw new Error(`${workflowName}: ${record.status} on ${record.steps[0]?.node}: ${JSON.stringify(record.error)}`);
    },
  });
  const paths: TimedPath[] = [
    {
      name: "raw NATS",
      async call() {
        const reply = await requester.request(ECHO_SUBJECT, payload, { timeout: 5000 });
        if (reply.data.length !== payload.length) throw new Error("the echo responder answered something else");
      },
    },
    execution("local1", runtime.options.nodeId),
    execution("placed1", "bench-worker-1"),
    execution("local1", insecure.runtime.options.nodeId, insecure),
    execution("placed1", "bench-worker-1", insecure),
    ...(bullmq === undefined ? [] : [bullmq]),
  ];
  const samples = await roundTripsInBlocks(paths, ROUNDS);
  type Summary = ReturnType<typeof summary>;
  const [raw, local, placed, localOpen, placedOpen, peer] = samples.map(summary) as [Summary, Summary, Summary, Summary, Summary, Summary | undefined];

  // 1. The baseline: what one request-reply between two processes costs on this NATS.
  log(`1. raw NATS request-reply, @nats-io/transport-node requester here, responder in a child process (${payload.length}-byte payload): ${pair(raw)}`);
  row("raw NATS request-reply p50", us(raw.p50));
  row("raw NATS request-reply p99", us(raw.p99));

  // 2. A no-op step placed on the worker: what the step costs is the placed execution less the same execution run here.
  const step = { p50: placed.p50 - local.p50, p99: placed.p99 - local.p99 };
  const ratio = { p50: step.p50 / raw.p50, p99: step.p99 / raw.p99 };
  log("2. 1-step sync execution, no-op function step, supervisor here:");
  log(`   step run here (local1):                          ${pair(local)}`);
  log(`   step placed on the worker node by tag (placed1): ${pair(placed)}`);
  log(`   remote step cost = placed1 - local1, at each percentile: ${pair(step)}`);
  log("   (the same execution, recording and store on both sides: what is left is placing the step, spawning it on the worker over NATS, its reports and its end coming back)");
  log(`   remote step cost / raw NATS request-reply: ${fmt(ratio.p50)}x at p50, ${fmt(ratio.p99)}x at p99;  whole placed execution / raw NATS: ${fmt(placed.p50 / raw.p50)}x at p50`);
  row("1-step execution, step here p50", us(local.p50));
  row("1-step execution, step placed p50", us(placed.p50));
  row("1-step execution, step placed p99", us(placed.p99));
  row("remote step cost / raw NATS, p50", `${fmt(ratio.p50)}x`, "<= 1.2x", ratio.p50 <= 1.2);
  row("remote step cost / raw NATS, p99", `${fmt(ratio.p99)}x`, "<= 2x", ratio.p99 <= 2);

  // 2b. What the cluster key costs a placed step: the same step's cost on the keyed cluster less on the insecure one.
  const openStep = { p50: placedOpen.p50 - localOpen.p50, p99: placedOpen.p99 - localOpen.p99 };
  const keyCost = { p50: step.p50 - openStep.p50, p99: step.p99 - openStep.p99 };
  const keyShare = keyCost.p50 / step.p50;
  const micro = sealCost();
  log("2b. what signing and encryption cost a placed step (every message and record sealed with the cluster key):");
  log(`   remote step cost, --insecure-cluster (nothing sealed): ${pair(openStep)}`);
  log(`   keyed - insecure: ${pair(keyCost)}; ${fmt(keyShare * 100)}% of the keyed remote step's p50 (negative: inside the noise)`);
  log(`   seal + open of one ${micro.bytes}-byte actor message, encrypted, in-process: ${fmt(micro.us)} µs (${fmt(micro.perStepUs)} µs for the ~${micro.messagesPerStep} messages and records a placed step seals and opens)`);
  row("cluster key cost per placed step, p50", us(keyCost.p50), "< 5% of the step", keyShare < 0.05);
  row("  same, as a share of the remote step's p50", `${fmt(keyShare * 100)}%`);
  row("  seal + open, in-process, per placed step", `${fmt(micro.perStepUs)} µs`);

  // 3. Throughput of a 3-step workflow whose every step runs on the worker.
  const t = await closedLoop(runtime, source, "placed3", THROUGHPUT);
  if (t.failed > 0) throw new Error(`${t.failed} executions of placed3 did not complete`);
  log(`3. throughput, 3 no-op steps all placed on the worker node, ${THROUGHPUT.concurrency} executions in flight: ${fmt(t.medianPerSecond)} executions/s  [${spread(t.perSecond)}]  (${fmt(t.medianPerSecond * 3)} remote steps/s; max in flight ${t.maxInFlight}, ${fmt(t.completed)} completed)`);
  row(`3 placed steps, ${THROUGHPUT.concurrency} in flight`, `${fmt(t.medianPerSecond)} exec/s`, ">= 6,000/s", t.medianPerSecond >= 6000);

  // 4. Placement over a large registry: the pure function, with every result feeding a printed checksum.
  const nodes = registeredNodes(PLACEMENT.nodes, seeded(11));
  const draw = seeded(7);
  log(`4. placement decision over ${fmt(PLACEMENT.nodes)} registered nodes (place() from src/cluster/placement.ts, ${fmt(PLACEMENT.warmupMs)} ms warm-up, median of ${PLACEMENT.rounds} rounds of ${fmt(PLACEMENT.roundMs)} ms):`);
  for (const { name, request } of PLACEMENT_REQUESTS) {
    let checksum = 0;
    let placedCount = 0;
    const r = syncRounds(() => {
      const result: PlacementResult = place(request, nodes, draw);
      if ("node" in result) {
        placedCount++;
        checksum = (checksum + result.node.load.steps + result.node.id.length) | 0;
      } else checksum = (checksum + result.pending.message.length) | 0;
    }, PLACEMENT.batch, PLACEMENT);
    log(`   ${name}: ${fmt(r.medianUs)} µs/decision  [${spread(r.usPerOp)}]  (${placedCount === 0 ? "none placed" : `${fmt(placedCount)} placed`}, checksum ${checksum})`);
    row(`placement, ${fmt(PLACEMENT.nodes)} nodes, ${name}`, `${fmt(r.medianUs)} µs`, "<= 50 µs", r.medianUs <= 50);
  }

  // 5. The peer: a BullMQ job round trip for the same no-op, against the whole placed execution (ours, conservatively).
  if (peer === undefined) {
    log(`5. BullMQ: skipped, no Redis answers at ${REDIS.host}:${REDIS.port}`);
    row("BullMQ / ours", "skipped (no Redis)");
  } else {
    const vs = { p50: peer.p50 / placed.p50, p99: peer.p99 / placed.p99 };
    log(`5. BullMQ job round trip (queue.add here, Worker in a child process, job.waitUntilFinished via QueueEvents; Redis ${REDIS.host}:${REDIS.port}): ${pair(peer)}`);
    log(`   BullMQ / ours (the whole 1-step placed execution, not only the step's cost): ${fmt(vs.p50)}x at p50, ${fmt(vs.p99)}x at p99`);
    row("BullMQ job round trip p50", us(peer.p50));
    row("BullMQ job round trip p99", us(peer.p99));
    row("BullMQ / ours, p50", `${fmt(vs.p50)}x`, ">= 1.5x", vs.p50 >= 1.5);
    row("BullMQ / ours, p99", `${fmt(vs.p99)}x`, ">= 3x", vs.p99 >= 3);
  }

  // 6. Failure detection: how soon another node lists a node down that was killed, and one that shut down.
  const detection = await failureDetection(cluster.nats.url);
  log(`6. a node's end seen by another (list_nodes polled; default heartbeat 1 s, down after 3 missed): SIGKILL ${fmt(detection.killedMs)} ms, SIGTERM ${fmt(detection.leftMs)} ms`);
  row("killed node listed down", `${fmt(detection.killedMs)} ms`, "<= 3 s", detection.killedMs <= 3000);
  row("node that shut down listed down", `${fmt(detection.leftMs)} ms`, "< 1 s", detection.leftMs < 1000);

  // 7. What joining a cluster costs a node: `wfx node` (JetStream store) against `wfx serve` (embedded), over HTTP.
  await nodeAgainstServe({ log, row });
} finally {
  for (const close of opened.reverse()) await close();
}

table.print(log, benchStart);

/**
 * The cluster key's CPU cost measured alone: seal (HMAC-SHA256 + AES-256-GCM) and open of an actor message the size of a
 * placed step's spawn order. A placed step's supervisor and worker seal and open its spawn, its reports and end (one
 * batch), and the worker's step events and records go sealed through JetStream: about 8 of them.
 */
function sealCost(): { bytes: number; us: number; messagesPerStep: number; perStepUs: number } {
  const seal = new ClusterSeal([clusterKeyOf("bench-cluster-key-0123456789abcdefghijklmnopq")]);
  const body = new Uint8Array(700).fill(7);
  const messagesPerStep = 8;
  let checksum = 0;
  const r = syncRounds(() => {
    const frame = seal.seal("wfx.actor.bench-worker-1", body, true);
    checksum = (checksum + seal.open("wfx.actor.bench-worker-1", frame, { live: true }).length) | 0;
  }, 100, { warmupMs: 200, roundMs: 300, rounds: 3 });
  if (checksum === 0) throw new Error("seal and open returned nothing");
  return { bytes: body.length, us: r.medianUs, messagesPerStep, perStepUs: r.medianUs * messagesPerStep };
}
