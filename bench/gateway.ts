// Gateway benchmark: every figure is measured in this run; targets are printed next to them, never asserted.
//   npx tsc -p . && node dist/bench/gateway.js
import { execFile } from "node:child_process";
import { setMaxListeners } from "node:events";
import { cpus } from "node:os";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import type * as grpc from "@grpc/grpc-js";
import { MemoryExecutionStore, Runtime } from "../src/engine/index.js";
import { GatewayNode, LOCAL_PRINCIPAL } from "../src/gateway/index.js";
import { silentLogger } from "../src/observability/index.js";
import { loadSource } from "../test/helpers/engine-fixture.js";
import { grpcClient, unary, watch } from "../test/helpers/gateway-grpc.js";
import { connectHttp } from "../test/helpers/gateway-mcp.js";
import { GATEWAY_WORKFLOWS } from "../test/helpers/gateway-node.js";

const ROUND_TRIPS = 2000;
const WARMUP = 300;
const WATCHERS = 1000;
/** Watchers live in child processes (as real clients would), so their decoding does not share the node's CPU. */
const WATCHER_PROCESSES = 2;
/**
 * Two event rates: a busy workflow (10 events/s) and a stress rate (50 events/s, 50,000 deliveries/s). The delay lets
 * all watchers open first, so every measured event is delivered live, not replayed; warm-up events are not measured.
 */
const TICK_RATES = [
  { warmup: 10, count: 50, every_ms: 100, delay_ms: 3000 },
  { warmup: 25, count: 100, every_ms: 20, delay_ms: 3000 },
];
const AUTOCANNON = { connections: 32, seconds: 5 };
const AUTOCANNON_BIN = fileURLToPath(new URL("../../node_modules/autocannon/autocannon.js", import.meta.url));

const log = (line = ""): void => console.log(line);
const now = (): number => performance.now();

function percentile(sorted: readonly number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
}

function summary(samples: number[]): { p50: number; p99: number } {
  const sorted = [...samples].sort((a, b) => a - b);
  return { p50: percentile(sorted, 50), p99: percentile(sorted, 99) };
}

const ms = (v: number): string => `${v.toFixed(3)} ms`;

async function timed(fn: () => Promise<unknown>): Promise<number[]> {
  for (let i = 0; i < WARMUP; i++) await fn();
  const samples: number[] = [];
  for (let i = 0; i < ROUND_TRIPS; i++) {
    const t0 = now();
    await fn();
    samples.push(now() - t0);
  }
  return samples;
}

async function latencyTable(node: GatewayNode, runtime: Runtime): Promise<void> {
  const source = await loadSource(`${GATEWAY_WORKFLOWS}/gateway.yaml`);
  const mcp = await connectHttp(node.mcpUrl!, "2026-07-28");
  const mcpLegacy = await connectHttp(node.mcpUrl!, "2025-11-25");
  const client = grpcClient(node.grpcAddress!);
  const body = JSON.stringify({ workflow_name: "one_step", input_data: 1 });
  const expectCompleted = (status: unknown) => {
    if (status !== "completed") throw new Error(`round trip ended ${String(status)}`);
  };
  const rows: [string, number[]][] = [
    ["in-process runtime.execute", await timed(async () => expectCompleted((await runtime.execute({ source, workflowName: "one_step", input: 1 })).status))],
    ["in-process operations.call", await timed(async () => expectCompleted((await node.operations.call("execute_workflow", { workflow_name: "one_step", input_data: 1 }, { principal: LOCAL_PRINCIPAL, gateway: "bench" }))["status"]))],
    ["HTTP POST /execute_workflow", await timed(async () => expectCompleted(((await (await fetch(`${node.httpUrl!}/execute_workflow`, { method: "POST", body, headers: { "content-type": "application/json" } })).json()) as { status: string }).status))],
    ["MCP HTTP 2026-07-28 tools/call", await timed(async () => expectCompleted(((await mcp.callTool({ name: "execute_workflow", arguments: { workflow_name: "one_step", input_data: 1 } })).structuredContent as { status: string }).status))],
    ["MCP HTTP 2025-11-25 tools/call", await timed(async () => expectCompleted(((await mcpLegacy.callTool({ name: "execute_workflow", arguments: { workflow_name: "one_step", input_data: 1 } })).structuredContent as { status: string }).status))],
    ["gRPC ExecuteWorkflow", await timed(async () => expectCompleted((await unary(client, "ExecuteWorkflow", { workflow_name: "one_step", input_data_json: "1" }))["status"]))],
  ];
  await mcp.close();
  await mcpLegacy.close();
  client.close();
  const base = summary(rows[0]![1]).p50;
  log(`1-step sync execution, round trip (${ROUND_TRIPS} sequential calls after ${WARMUP} warm-up; client and node in this process)`);
  log(`  ${"path".padEnd(34)} ${"p50".padStart(10)} ${"p99".padStart(10)}   overhead p50 vs in-process (target <= 1 ms)`);
  for (const [name, samples] of rows) {
    const { p50, p99 } = summary(samples);
    const overhead = p50 - base;
    const verdict = name.startsWith("in-process runtime") ? "" : `${ms(overhead)} ${name.startsWith("in-process") ? "" : overhead <= 1 ? "[meets target]" : "[misses target]"}`;
    log(`  ${name.padEnd(34)} ${ms(p50).padStart(10)} ${ms(p99).padStart(10)}   ${verdict}`);
  }
  log();
}

/** Child-process side: opens the watchers, records each live event's delivery latency, prints the samples as JSON. */
async function runWatchers(address: string, executionId: string, count: number): Promise<void> {
  const client = grpcClient(address);
  const latencies: number[] = [];
  let opened = 0;
  await new Promise<void>((resolve) => {
    let ended = 0;
    for (let i = 0; i < count; i++) {
      const stream: grpc.ClientReadableStream<Record<string, unknown>> = watch(client, executionId);
      stream.on("data", (event: Record<string, unknown>) => {
        if (event["type"] === "execution.started") opened++;
        if (event["type"] !== "step.progress") return;
        const { at, warmup } = JSON.parse(event["data_json"] as string) as { at: number; warmup: boolean };
        if (!warmup) latencies.push(performance.timeOrigin + now() - at);
      });
      const finish = () => ++ended === count && resolve();
      stream.on("end", finish);
      stream.on("error", finish);
    }
  });
  client.close();
  process.stdout.write(JSON.stringify({ opened, latencies }));
}

async function watcherLatency(node: GatewayNode, ticks: (typeof TICK_RATES)[number]): Promise<void> {
  const ticker = await node.operations.call("execute_workflow", { workflow_name: "ticker", input_data: ticks, execution_mode: "async" }, { principal: LOCAL_PRINCIPAL, gateway: "bench" });
  const perProcess = WATCHERS / WATCHER_PROCESSES;
  const children = Array.from({ length: WATCHER_PROCESSES }, () =>
    promisify(execFile)(process.execPath, [fileURLToPath(import.meta.url), "--watchers", node.grpcAddress!, ticker["execution_id"] as string, String(perProcess)], { maxBuffer: 64 * 1024 * 1024 }),
  );
  const results = (await Promise.all(children)).map(({ stdout }) => JSON.parse(stdout) as { opened: number; latencies: number[] });
  const opened = results.reduce((n, r) => n + r.opened, 0);
  const latencies = results.flatMap((r) => r.latencies);
  const { p50, p99 } = summary(latencies);
  const rate = 1000 / ticks.every_ms;
  log(`  ${rate} events/s (${(rate * WATCHERS).toLocaleString("en-US")} deliveries/s): ${latencies.length.toLocaleString("en-US")} deliveries, p50 ${ms(p50)}, p99 ${ms(p99)} ${p99 <= 20 ? "[meets target]" : "[misses target]"}`);
  if (opened !== WATCHERS) log(`    (only ${opened} of ${WATCHERS} streams saw the execution start)`);
}

async function statusThroughput(node: GatewayNode): Promise<void> {
  const run = await node.operations.call("execute_workflow", { workflow_name: "one_step", input_data: 1 }, { principal: LOCAL_PRINCIPAL, gateway: "bench" });
  const body = JSON.stringify({ execution_id: run["execution_id"] });
  const { stdout } = await promisify(execFile)(
    process.execPath,
    [AUTOCANNON_BIN, "--json", "-c", String(AUTOCANNON.connections), "-d", String(AUTOCANNON.seconds), "-m", "POST", "-H", "content-type=application/json", "-b", body, `${node.httpUrl!}/check_execution_status`],
    { maxBuffer: 16 * 1024 * 1024 },
  );
  const result = JSON.parse(stdout) as { requests: { average: number; total: number }; latency: { p50: number; p99: number }; non2xx: number; errors: number };
  log(`check_execution_status over HTTP, autocannon in a child process (${AUTOCANNON.connections} connections, ${AUTOCANNON.seconds} s)`);
  log(`  ${Math.round(result.requests.average).toLocaleString("en-US")} requests/s   latency p50 ${result.latency.p50} ms, p99 ${result.latency.p99} ms   ${result.requests.total.toLocaleString("en-US")} requests, non-2xx ${result.non2xx}, errors ${result.errors}`);
  log();
}

async function main(): Promise<void> {
  // The MCP SDK client hands its transport-wide AbortSignal to every fetch; thousands of sequential calls on one client
  // trip Node's listener-leak warning (undici releases them lazily). Client-side only; silenced for the benchmark.
  setMaxListeners(0);
  log("Workflow Executor gateway benchmark");
  log(`node ${process.version}, CPU: ${cpus()[0]?.model ?? "unknown"} x ${cpus().length}; in-memory execution store (gateway cost, not disk)`);
  log();
  const runtime = new Runtime({ store: new MemoryExecutionStore({ copy: false }), nodeId: "bench-node" });
  const node = await GatewayNode.start({ workflowDirs: [GATEWAY_WORKFLOWS], httpPort: 0, grpcPort: 0, maxConcurrentExecutions: 1000, sandboxDir: `${process.env["TMPDIR"] ?? "/tmp"}/wfx-bench-sandbox` }, { runtime, logger: silentLogger(), auditLogger: silentLogger() });
  try {
    await latencyTable(node, runtime);
    log(`event delivery to ${WATCHERS} concurrent gRPC WatchExecution streams, emit to receive (target p99 <= 20 ms; watchers in ${WATCHER_PROCESSES} child processes on this machine)`);
    for (const ticks of TICK_RATES) await watcherLatency(node, ticks);
    log();
    await statusThroughput(node);
  } finally {
    await node.close(0);
    await runtime.close();
  }
}

if (process.argv[2] === "--watchers") await runWatchers(process.argv[3]!, process.argv[4]!, Number(process.argv[5]));
else await main();
