// Gateway benchmark: every figure is measured in this run; targets are printed next to them, never asserted.
//   npx tsc -p . && node dist/bench/gateway.js
//   WFX_BENCH_ONLY=watchers node dist/bench/gateway.js   (only the watcher fan-out section; also: latency, status)
import { execFile } from "node:child_process";
import { setMaxListeners } from "node:events";
import { cpus } from "node:os";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import type * as grpc from "@grpc/grpc-js";
import { MemoryExecutionStore, Runtime, type ExecutionEvent } from "../src/engine/index.js";
import { LOCAL_PRINCIPAL } from "../src/gateway/index.js";
import { ExecutorNode } from "../src/node/index.js";
import { silentLogger } from "../src/observability/index.js";
import { loadSource } from "../test/helpers/engine-fixture.js";
import { grpcClient, watch } from "../test/helpers/gateway-grpc.js";
import { GATEWAY_WORKFLOWS } from "../test/helpers/gateway-node.js";
import { expectCompleted, gatewayCallPaths, type CallPath, type GatewayAddresses } from "./lib/gateway-callers.js";
import { roundTripsInBlocks } from "./lib/round-trips.js";
import { summary } from "./lib/stats.js";
import { statusThroughput } from "./lib/status-throughput.js";
import { thinWatchers } from "./lib/thin-watchers.js";

/** 2,000 timed calls per path, in four blocks of 500 taking turns with the other paths, after 3,000 warm-up calls. */
const ROUNDS = { warmup: 3000, blocks: 4, perBlock: 500 };
const WATCHERS = 1000;
/** Watchers live in child processes (as real clients would), so their decoding does not share the node's CPU. */
const WATCHER_PROCESSES = 2;
/**
 * Each rate is measured with the grpc-js client and with a thin HTTP/2 client (bench/lib/thin-watchers.ts): in one
 * process, every watcher's message waits for the ones decoded before it, so the client's own cost per message is in
 * the figure 500 times over; the thin row leaves out what grpc-js adds per message, as the thin latency rows do.
 */
type WatcherClient = "grpc-js" | "thin";
const WATCHER_CLIENTS: readonly WatcherClient[] = ["grpc-js", "thin"];
/**
 * Two event rates: a busy workflow (10 events/s) and a stress rate (50 events/s, 50,000 deliveries/s). The delay lets
 * all watchers open first, so every measured event is delivered live, not replayed; warm-up events are not measured.
 */
const TICK_RATES = [
  { warmup: 10, count: 50, every_ms: 100, delay_ms: 3000 },
  { warmup: 25, count: 100, every_ms: 20, delay_ms: 3000 },
];

/** The sections to run (comma-separated), from WFX_BENCH_ONLY; all when unset. */
const ONLY = process.env["WFX_BENCH_ONLY"]?.split(",");
const runs = (section: "latency" | "watchers" | "status"): boolean => ONLY === undefined || ONLY.includes(section);
/** Emit-to-receive target for the watcher fan-out, p99 (issue 28). */
const WATCHER_P99_TARGET_MS = 10;

const log = (line = ""): void => console.log(line);
const now = (): number => performance.now();

const ms = (v: number): string => `${v.toFixed(3)} ms`;

/** Runs this script again in a child process (`--callers` / `--watchers` mode, with this one's node flags, e.g. --cpu-prof) and parses the JSON it prints. */
async function runSelf<T>(...args: string[]): Promise<T> {
  const { stdout } = await promisify(execFile)(process.execPath, [...process.execArgv, fileURLToPath(import.meta.url), ...args], { maxBuffer: 64 * 1024 * 1024 });
  return JSON.parse(stdout) as T;
}

/** Child-process side: runs every call path (in blocks taking turns) and prints the samples as JSON. */
async function runCallers(at: GatewayAddresses): Promise<void> {
  // The MCP SDK client hands its transport-wide AbortSignal to every fetch; thousands of sequential calls on one client
  // trip Node's listener-leak warning (undici releases them lazily). Client-side only; silenced for the benchmark.
  setMaxListeners(0);
  const { paths, close } = await gatewayCallPaths(at);
  const samples = await roundTripsInBlocks(paths, ROUNDS);
  await close();
  process.stdout.write(JSON.stringify(paths.map((path, index) => ({ name: path.name, library: path.library, samples: samples[index] }))));
}

async function latencyTable(node: ExecutorNode, runtime: Runtime): Promise<void> {
  const source = await loadSource(`${GATEWAY_WORKFLOWS}/gateway.yaml`);
  const inProcess: CallPath[] = [
    { name: "in-process runtime.execute", library: false, call: async () => expectCompleted((await runtime.execute({ source, workflowName: "one_step", input: 1 })).status, "in-process runtime") },
    { name: "in-process operations.call", library: false, call: async () => expectCompleted((await node.operations.call("execute_workflow", { workflow_name: "one_step", input_data: 1 }, { principal: LOCAL_PRINCIPAL, gateway: "bench" }))["status"], "in-process operations") },
  ];
  const local = await roundTripsInBlocks(inProcess, ROUNDS);
  const addresses = JSON.stringify({ httpUrl: node.httpUrl!, mcpUrl: node.mcpUrl!, grpcAddress: node.grpcAddress! } satisfies GatewayAddresses);
  const remote = await runSelf<{ name: string; library: boolean; samples: number[] }[]>("--callers", addresses);
  const rows = [...inProcess.map((path, index) => ({ name: path.name, library: false, samples: local[index]! })), ...remote];
  const base = summary(local[0]!).p50;
  log(`1-step sync execution, round trip (${ROUNDS.blocks * ROUNDS.perBlock} calls per path after ${ROUNDS.warmup} warm-up, in ${ROUNDS.blocks} blocks taking turns;`);
  log("  callers in a child process: node:http keep-alive for HTTP and MCP, grpc-js for gRPC; the SDK rows add the MCP client library's own cost)");
  log(`  ${"path".padEnd(34)} ${"p50".padStart(10)} ${"p99".padStart(10)}   overhead p50 vs in-process (target <= 1 ms)`);
  for (const row of rows) {
    const { p50, p99 } = summary(row.samples);
    const overhead = p50 - base;
    const verdict = row.name.startsWith("in-process") ? (row === rows[0] ? "" : ms(overhead)) : `${ms(overhead)} ${overhead <= 1 ? "[meets target]" : "[misses target]"}${row.library ? " (client library included)" : ""}`;
    log(`  ${row.name.padEnd(34)} ${ms(p50).padStart(10)} ${ms(p99).padStart(10)}   ${verdict}`);
  }
  log();
}

/** Child-process side: opens the watchers (grpc-js, or the thin client), records each live event's delivery latency, prints the samples as JSON. */
async function runWatchers(address: string, executionId: string, count: number, client: WatcherClient): Promise<void> {
  const latencies: number[] = [];
  let opened = 0;
  const onEvent = (event: Record<string, unknown>) => {
    if (event["type"] === "execution.started") opened++;
    if (event["type"] !== "step.progress") return;
    const { at, warmup } = JSON.parse(event["data_json"] as string) as { at: number; warmup: boolean };
    if (!warmup) latencies.push(performance.timeOrigin + now() - at);
  };
  if (client === "thin") {
    const watchers = thinWatchers(address, executionId, count, onEvent);
    await watchers.done;
    watchers.close();
  } else {
    const grpcjs = grpcClient(address);
    await new Promise<void>((resolve) => {
      let ended = 0;
      for (let i = 0; i < count; i++) {
        const stream: grpc.ClientReadableStream<Record<string, unknown>> = watch(grpcjs, executionId);
        stream.on("data", onEvent);
        const finish = () => ++ended === count && resolve();
        stream.on("end", finish);
        stream.on("error", finish);
      }
    });
    grpcjs.close();
  }
  process.stdout.write(JSON.stringify({ opened, latencies }));
}

/**
 * The node's own share: how long its loop takes to hand one live event to every stream. A listener registered before
 * any watcher stamps the event and one registered after all of them (at the first tick, once every watcher is open)
 * reads the clock; the engine calls an execution's listeners in the order they were added.
 */
function nodeFanOutLoop(runtime: Runtime, executionId: string): { samples: number[]; stop: () => void } {
  const samples: number[] = [];
  let stamped = 0;
  let last: (() => void) | undefined;
  const ticked = (event: ExecutionEvent) => event.type === "step.progress" && !(event.data as { warmup: boolean }).warmup;
  const first = runtime.listenLive(executionId, (event) => {
    if (event.type !== "step.progress") return;
    stamped = now();
    last ??= runtime.listenLive(executionId, (e) => ticked(e) && samples.push(now() - stamped));
  });
  return { samples, stop: () => (first?.(), last?.()) };
}

async function watcherLatency(node: ExecutorNode, runtime: Runtime, ticks: (typeof TICK_RATES)[number], client: WatcherClient): Promise<void> {
  const ticker = await node.operations.call("execute_workflow", { workflow_name: "ticker", input_data: ticks, execution_mode: "async" }, { principal: LOCAL_PRINCIPAL, gateway: "bench" });
  const loop = nodeFanOutLoop(runtime, ticker["execution_id"] as string);
  const pausesBefore = node.operations.deps.metrics.watcherPauses.get({ gateway: "grpc" });
  const perProcess = WATCHERS / WATCHER_PROCESSES;
  const results = await Promise.all(
    Array.from({ length: WATCHER_PROCESSES }, () => runSelf<{ opened: number; latencies: number[] }>("--watchers", node.grpcAddress!, ticker["execution_id"] as string, String(perProcess), client)),
  );
  loop.stop();
  const opened = results.reduce((n, r) => n + r.opened, 0);
  const latencies = results.flatMap((r) => r.latencies);
  const { p50, p99 } = summary(latencies);
  const rate = 1000 / ticks.every_ms;
  log(`  ${client === "thin" ? "thin HTTP/2 client " : "grpc-js client     "} ${rate} events/s (${(rate * WATCHERS).toLocaleString("en-US")} deliveries/s): ${latencies.length.toLocaleString("en-US")} deliveries, p50 ${ms(p50)}, p99 ${ms(p99)} ${p99 <= WATCHER_P99_TARGET_MS ? "[meets target]" : "[misses target]"}`);
  const handed = summary(loop.samples);
  log(`    the node's loop handing each event to all ${WATCHERS} streams: p50 ${ms(handed.p50)}, p99 ${ms(handed.p99)} (${(handed.p50 * 1000 / WATCHERS).toFixed(2)} µs per stream); streams full and caught up from the store: ${node.operations.deps.metrics.watcherPauses.get({ gateway: "grpc" }) - pausesBefore} times`);
  if (opened !== WATCHERS) log(`    (only ${opened} of ${WATCHERS} streams saw the execution start)`);
}

async function main(): Promise<void> {
  log("Workflow Executor gateway benchmark");
  log(`node ${process.version}, CPU: ${cpus()[0]?.model ?? "unknown"} x ${cpus().length}; in-memory execution store (gateway cost, not disk)`);
  log();
  const runtime = new Runtime({ store: new MemoryExecutionStore({ copy: false }), nodeId: "bench-node" });
  const node = await ExecutorNode.start({ workflowDirs: [GATEWAY_WORKFLOWS], httpPort: 0, grpcPort: 0, maxConcurrentExecutions: 1000, sandboxDir: `${process.env["TMPDIR"] ?? "/tmp"}/wfx-bench-sandbox` }, { runtime, logger: silentLogger(), auditLogger: silentLogger() });
  try {
    if (runs("latency")) await latencyTable(node, runtime);
    if (runs("watchers")) {
      log(`event delivery to ${WATCHERS} concurrent gRPC WatchExecution streams, emit to receive (target p99 <= ${WATCHER_P99_TARGET_MS} ms; watchers in ${WATCHER_PROCESSES} child processes on this machine)`);
      for (const ticks of TICK_RATES) for (const client of WATCHER_CLIENTS) await watcherLatency(node, runtime, ticks, client);
      log();
    }
    if (runs("status")) {
      const run = await node.operations.call("execute_workflow", { workflow_name: "one_step", input_data: 1 }, { principal: LOCAL_PRINCIPAL, gateway: "bench" });
      await statusThroughput(node.httpUrl!, run["execution_id"] as string, log);
    }
  } finally {
    await node.close(0);
    await runtime.close();
  }
}

if (process.argv[2] === "--watchers") await runWatchers(process.argv[3]!, process.argv[4]!, Number(process.argv[5]), process.argv[6] as WatcherClient);
else if (process.argv[2] === "--callers") await runCallers(JSON.parse(process.argv[3]!) as GatewayAddresses);
else await main();
