import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import * as grpc from "@grpc/grpc-js";
import { test } from "uvu";
import * as assert from "uvu/assert";
import { wfx } from "./helpers/cli.js";
import { eventually, FIXTURES } from "./helpers/engine-fixture.js";
import { grpcClient, type WfxClient } from "./helpers/gateway-grpc.js";
import { connectHttp } from "./helpers/gateway-mcp.js";
import { startModelServer, type ModelServer } from "./helpers/model-server.js";
import { startNatsServer } from "./helpers/nats-server.js";
import { startOtlpReceiver, type ReceivedSpan } from "./helpers/otlp-receiver.js";
import { startServe, type ServeProcess } from "./helpers/serve-process.js";

// One trace across three `wfx node` processes on a real nats-server, exported over OTLP/HTTP to a loopback collector:
// the caller's span, the execution (supervisor), its steps (one placed on another node), and the model calls.

const FLOWS = join(FIXTURES, "otel");
const CALLER_TRACE = "5a1c0ffee0ddba11cafe0123456789ab";
const CALLER_SPAN = "c0ffee0123456789";
const work = mkdtempSync(join(tmpdir(), "wfx-otel-"));
const receiver = await startOtlpReceiver();
const model: ModelServer = await startModelServer((body) => ({ content: `answer from ${body.model}`, usage: { prompt_tokens: 11, completion_tokens: 7 } }));
const nats = await startNatsServer();
const processes: ServeProcess[] = [];

/** A loader hook that logs every @opentelemetry module a process resolves: how a test sees what a node loaded. */
const HOOK = join(work, "otel-imports.mjs");
writeFileSync(join(work, "otel-resolve.mjs"), [
  `import { appendFileSync } from "node:fs";`,
  `let log;`,
  `export function initialize(data) { log = data.log; }`,
  `export async function resolve(specifier, context, next) {`,
  `  const resolved = await next(specifier, context);`,
  `  if (log && resolved.url.includes("@opentelemetry")) appendFileSync(log, resolved.url + "\\n");`,
  `  return resolved;`,
  `}`,
].join("\n"));
writeFileSync(HOOK, `import { register } from "node:module";\nregister("./otel-resolve.mjs", import.meta.url, { data: { log: process.env.WFX_TEST_IMPORT_LOG } });\n`);

const TRACED_ENV = { OTEL_EXPORTER_OTLP_ENDPOINT: receiver.endpoint, OTEL_SERVICE_NAME: "wfx-test", OTEL_BSP_SCHEDULE_DELAY: "50", ...model.env };

async function node(id: string, tags: string, args: string[] = [], env: Record<string, string> = TRACED_ENV, command: "node" | "serve" = "node"): Promise<ServeProcess> {
  const dataDir = mkdtempSync(join(work, `${id}-`));
  const cluster = command === "node" ? ["--nats", nats.url, "--node-id", id, "--tags", tags] : [];
  const started = await startServe(dataDir, [...cluster, "--workflows", FLOWS, ...args], { WFX_PLACEMENT_TIMEOUT_S: "10", ...env }, command);
  processes.push(started);
  return started;
}

const gateway = await node("gateway-1", "gateway", ["--trace-url-template", "https://jaeger.example/trace/{trace_id}"]);
const workers = new Map<string, ServeProcess>([["gpu-1", await node("gpu-1", "gpu,worker")], ["spare-1", await node("spare-1", "eu,worker")]]);

test.after(async () => {
  for (const p of processes) await p.kill("SIGTERM");
  await Promise.all([nats.close(), receiver.close(), model.close()]);
  rmSync(work, { recursive: true, force: true });
});

async function postJson(url: string, body: unknown, headers: Record<string, string> = {}): Promise<Record<string, unknown>> {
  const res = await fetch(url, { method: "POST", headers: { "content-type": "application/json", ...headers }, body: JSON.stringify(body) });
  return (await res.json()) as Record<string, unknown>;
}

/** The spans of one trace once `ready` holds for them (exports arrive in batches, from several processes). */
function traceOf(traceId: string, ready: (spans: ReceivedSpan[]) => boolean, what: string): Promise<ReceivedSpan[]> {
  return eventually(() => {
    const spans = receiver.spans.filter((s) => s.traceId === traceId);
    return ready(spans) ? spans : undefined;
  }, 20_000, what);
}

function one(spans: ReceivedSpan[], test: (span: ReceivedSpan) => boolean, what: string): ReceivedSpan {
  const found = spans.filter(test);
  assert.is(found.length, 1, `${what}: ${found.length} spans in ${JSON.stringify(spans.map((s) => s.name))}`);
  return found[0]!;
}

test("otel - one execution started over HTTP with a caller's traceparent is one trace across the nodes that ran it", async () => {
  // Every node up and taking placed work: the gpu step must be placed on gpu-1, not wait for it.
  await eventually(async () => {
    const listed = (await postJson(`${gateway.url}/list_nodes`, {}))["nodes"] as { id: string; status: string }[];
    return ["gateway-1", "gpu-1", "spare-1"].every((id) => listed.some((n) => n.id === id && n.status === "up")) || undefined;
  }, 10_000, "three nodes up");
  const answer = await eventually(async () => {
    const body = await postJson(`${gateway.url}/execute_workflow`, { workflow_name: "traced", input_data: { topic: "tracing" }, timeout: 20 }, { traceparent: `00-${CALLER_TRACE}-${CALLER_SPAN}-01`, tracestate: "wfx=test,vendor=abc" });
    return body["status"] === "completed" ? body : undefined;
  }, 30_000, "the traced workflow to complete");
  const executionId = String(answer["execution_id"]);
  assert.is(answer["trace_id"], CALLER_TRACE, "the record names the caller's trace");
  const steps = answer["steps"] as { id: string; node: string }[];
  assert.equal(steps.map((s) => [s.id, s.node]), [["plan", "gateway-1"], ["think", "gpu-1"]]);

  const spans = await traceOf(CALLER_TRACE, (s) => s.filter((x) => x.name === "chat gpt-trace" && x.attributes["wfx.execution_id"] === undefined).length >= 2 && s.some((x) => x.name === "execute traced"), "the execution, its steps and both model calls exported");
  const ours = spans.filter((s) => s.attributes["wfx.execution_id"] === executionId || s.name === "chat gpt-trace");
  const execution = one(ours, (s) => s.name === "execute traced", "execution span");
  assert.is(execution.parentSpanId, CALLER_SPAN, "the execution span is the caller's child");
  assert.is(execution.attributes["wfx.workflow"], "traced");
  assert.is(execution.attributes["wfx.node_id"], "gateway-1");
  assert.is(execution.resource["service.name"], "wfx-test");

  const plan = one(ours, (s) => s.name === "step plan", "plan step span");
  const think = one(ours, (s) => s.name === "step think", "think step span");
  for (const step of [plan, think]) {
    assert.is(step.parentSpanId, execution.spanId, `${step.name} is under the execution span`);
    assert.is(step.attributes["wfx.attempt"], 1);
    assert.is(step.attributes["wfx.step_kind"], "agent");
  }
  assert.is(plan.resource["service.instance.id"], "gateway-1");
  assert.is(think.resource["service.instance.id"], "gpu-1", "the placed step's span is exported by the node that ran it");
  assert.is(think.attributes["wfx.node_id"], "gpu-1");

  for (const span of ours) assert.is(span.traceState, "wfx=test,vendor=abc", `${span.name} carries the caller's tracestate`);

  const models = ours.filter((s) => s.name === "chat gpt-trace");
  const thinkCall = one(models, (s) => s.parentSpanId === think.spanId, "model call under the placed step");
  one(models, (s) => s.parentSpanId === plan.spanId, "model call under the local step");
  assert.is(thinkCall.resource["service.instance.id"], "gpu-1");
  assert.is(thinkCall.attributes["gen_ai.operation.name"], "chat");
  assert.is(thinkCall.attributes["gen_ai.system"], "openai");
  assert.is(thinkCall.attributes["gen_ai.provider.name"], "openai");
  assert.is(thinkCall.attributes["gen_ai.request.model"], "gpt-trace");
  assert.is(thinkCall.attributes["gen_ai.usage.input_tokens"], 11);
  assert.is(thinkCall.attributes["gen_ai.usage.output_tokens"], 7);
  console.log(`  one trace: ${ours.length} spans from ${new Set(ours.map((s) => s.resource["service.instance.id"])).size} nodes (${ours.map((s) => s.name).join(", ")})`);

  // The dashboard's execution page reads GET /executions/ID: it links the trace in the operator's viewer.
  const page = (await (await fetch(`${gateway.url}/executions/${executionId}`)).json()) as Record<string, unknown>;
  assert.is(page["trace_url"], `https://jaeger.example/trace/${CALLER_TRACE}`);

  // `wfx status` names the trace, and links it when the operator gives a trace viewer's address.
  const status = await wfx(["status", executionId, "--nats", nats.url], { dataDir: join(work, "cli"), env: { WFX_TRACE_URL_TEMPLATE: "https://jaeger.example/trace/{trace_id}" } });
  assert.is(status.code, 0, status.stderr);
  assert.match(status.stdout, `trace:        ${CALLER_TRACE} (https://jaeger.example/trace/${CALLER_TRACE})`);
});

test("otel - a traceparent in gRPC metadata and in MCP _meta parents the execution, an isolated one too; a malformed one starts a new trace", async () => {
  const single = await node("single", "", ["--grpc-port", "0"], { ...TRACED_ENV, WFX_TEST_IMPORT_LOG: join(work, "traced-imports.log"), NODE_OPTIONS: `--import=${HOOK}` }, "serve");
  const client: WfxClient = grpcClient(single.grpc()!);
  const metadata = new grpc.Metadata();
  metadata.set("traceparent", `00-${"1".repeat(32)}-${"2".repeat(16)}-01`);
  metadata.set("tracestate", "grpc=1");
  const viaGrpc = await new Promise<Record<string, unknown>>((resolve, reject) =>
    (client["ExecuteWorkflow"] as (r: unknown, m: grpc.Metadata, cb: (e: Error | null, r: Record<string, unknown>) => void) => void)({ workflow_name: "local", input_data_json: '{"topic":"grpc"}' }, metadata, (e, r) => (e ? reject(e) : resolve(r))),
  );
  client.close();
  assert.is(viaGrpc["status"], "completed", JSON.stringify(viaGrpc));
  assert.is(viaGrpc["trace_id"], "1".repeat(32), "the gRPC answer names the trace");
  const grpcTrace = await traceOf("1".repeat(32), (s) => s.some((x) => x.name === "execute local") && s.some((x) => x.name === "chat gpt-trace"), "the gRPC caller's trace");
  const grpcExecution = one(grpcTrace, (s) => s.name === "execute local", "gRPC execution span");
  assert.is(grpcExecution.parentSpanId, "2".repeat(16));
  assert.is(grpcExecution.traceState, "grpc=1");

  const mcp = await connectHttp(`${single.url}/mcp`, "2025-11-25");
  const viaMcp = await mcp.callTool({ name: "execute_workflow", arguments: { workflow_name: "local", input_data: { topic: "mcp" } }, _meta: { traceparent: `00-${"3".repeat(32)}-${"4".repeat(16)}-01`, tracestate: "mcp=1" } });
  assert.is((viaMcp.structuredContent as { status?: string }).status, "completed", JSON.stringify(viaMcp));
  const mcpTrace = await traceOf("3".repeat(32), (s) => s.some((x) => x.name === "execute local") && s.some((x) => x.name === "step answer"), "the MCP caller's trace");
  const mcpExecution = one(mcpTrace, (s) => s.name === "execute local", "MCP execution span");
  assert.is(mcpExecution.parentSpanId, "4".repeat(16));
  assert.is(mcpExecution.traceState, "mcp=1");
  assert.is(one(mcpTrace, (s) => s.name === "step answer", "MCP step span").parentSpanId, mcpExecution.spanId);

  const launched = await postJson(`${single.url}/execute_workflow`, { workflow_name: "local", input_data: { topic: "isolated" }, execution_mode: "isolated" }, { traceparent: `00-${"b".repeat(32)}-${"c".repeat(16)}-01` });
  const isolated = await eventually(async () => {
    const record = await postJson(`${single.url}/check_execution_status`, { execution_id: launched["execution_id"] });
    return record["status"] === "completed" ? record : undefined;
  }, 20_000, "the isolated execution completed");
  assert.is(isolated["trace_id"], "b".repeat(32));
  const isolatedTrace = await traceOf("b".repeat(32), (s) => s.some((x) => x.name === "execute local") && s.some((x) => x.name === "chat gpt-trace"), "the isolated process's spans");
  const isolatedExecution = one(isolatedTrace, (s) => s.name === "execute local", "isolated execution span");
  assert.is(isolatedExecution.parentSpanId, "c".repeat(16), "an isolated execution's span is the caller's child too");
  assert.is(one(isolatedTrace, (s) => s.name === "step answer", "isolated step span").parentSpanId, isolatedExecution.spanId);

  const bad = await postJson(`${single.url}/execute_workflow`, { workflow_name: "local", input_data: { topic: "bad" } }, { traceparent: "00-nonsense" });
  assert.is(bad["status"], "completed", "a malformed traceparent never fails the request");
  assert.match(String(bad["trace_id"]), /^[0-9a-f]{32}$/, "it runs in a trace of its own");
  await mcp.close();
  assert.match(readFileSync(join(work, "traced-imports.log"), "utf8"), "@opentelemetry/sdk-trace-base", "the hook sees what a traced node loads");
});

test("otel - with OTEL_* unset a node loads no OpenTelemetry module, and its records carry no trace id", async () => {
  const log = join(work, "untraced-imports.log");
  writeFileSync(log, "");
  const untraced = await node("untraced", "", [], { ...model.env, WFX_TEST_IMPORT_LOG: log, NODE_OPTIONS: `--import=${HOOK}`, OTEL_EXPORTER_OTLP_ENDPOINT: "", OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: "" }, "serve");
  const answer = await postJson(`${untraced.url}/execute_workflow`, { workflow_name: "local", input_data: { topic: "untraced" } }, { traceparent: `00-${"5".repeat(32)}-${"6".repeat(16)}-01` });
  assert.is(answer["status"], "completed", JSON.stringify(answer));
  assert.is(answer["trace_id"], undefined);
  await untraced.kill("SIGTERM");
  assert.is(readFileSync(log, "utf8"), "", "no @opentelemetry module was resolved");
  assert.is(receiver.spans.filter((s) => s.traceId === "5".repeat(32)).length, 0);
});

test("otel - the spans a node still holds are exported when it shuts down (SIGTERM)", async () => {
  // A batch delay of ten minutes: only the shutdown's flush can send these spans while the test runs.
  const holding = await node("holding", "", [], { ...TRACED_ENV, OTEL_BSP_SCHEDULE_DELAY: "600000" }, "serve");
  const trace = "9".repeat(32);
  const answer = await postJson(`${holding.url}/execute_workflow`, { workflow_name: "local", input_data: { topic: "held" } }, { traceparent: `00-${trace}-${"a".repeat(16)}-01` });
  assert.is(answer["status"], "completed", JSON.stringify(answer));
  assert.is(receiver.spans.filter((s) => s.traceId === trace).length, 0, "nothing exported before the batch delay");
  await holding.kill("SIGTERM");
  assert.equal(receiver.spans.filter((s) => s.traceId === trace).map((s) => s.name).sort(), ["chat gpt-trace", "execute local", "step answer"], "exported before the process ended");
});

test("otel - an execution adopted after its node is SIGKILLed continues the caller's trace under the dead owner's span", async () => {
  const trace = "7".repeat(32);
  const started = await postJson(`${gateway.url}/execute_workflow`, { workflow_name: "durable", input_data: { ms: 400 }, execution_mode: "async" }, { traceparent: `00-${trace}-${"8".repeat(16)}-01` });
  const executionId = String(started["execution_id"]);
  const status = () => postJson(`${gateway.url}/check_execution_status`, { execution_id: executionId });
  const owner = String((await eventually(async () => {
    const record = await status();
    return (record["steps"] as { status: string }[])[0]!.status === "completed" ? record : undefined;
  }, 15_000, "the first step completed"))["node"]);
  const events = (await postJson(`${gateway.url}/watch_execution`, { execution_id: executionId, after_seq: 0, wait: 0 }))["events"] as { type: string; data?: { traceparent?: string } }[];
  const firstSpan = String(events.find((e) => e.type === "execution.started")?.data?.traceparent).split("-")[2];
  assert.match(String(firstSpan), /^[0-9a-f]{16}$/, "execution.started carries the execution span's traceparent");
  await workers.get(owner)!.kill("SIGKILL");
  const final = await eventually(async () => {
    const record = await status();
    return record["status"] === "completed" ? record : undefined;
  }, 30_000, "the adopted execution completed");
  assert.is.not(final["node"], owner, "another node finished it");
  assert.is(final["trace_id"], trace, "the record keeps the caller's trace");
  const spans = await traceOf(trace, (s) => s.some((x) => x.name === "resume durable") && s.some((x) => x.name === "step c"), "the adopter's spans");
  const resumed = one(spans, (s) => s.name === "resume durable", "resumed execution span");
  assert.is(resumed.parentSpanId, firstSpan, "the adopter's span is a child of the dead owner's execution span");
  assert.is(resumed.resource["service.instance.id"], final["node"]);
  assert.is(one(spans, (s) => s.name === "step c", "a step run after adoption").parentSpanId, resumed.spanId);
});

test.run();
