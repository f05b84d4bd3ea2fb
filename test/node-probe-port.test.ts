import { mkdtempSync, rmSync } from "node:fs";
import { request } from "node:http";
import { createServer, type Server } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "uvu";
import * as assert from "uvu/assert";
import { wfx } from "./helpers/cli.js";
import { eventually, FIXTURES } from "./helpers/engine-fixture.js";
import { post } from "./helpers/gateway-node.js";
import { freePort, startNatsServer } from "./helpers/nats-server.js";
import { startServe, type ServeProcess } from "./helpers/serve-process.js";

// A worker that serves no gateway answers its kubelet on a probe port: /health and /ready, nothing else, no auth.
const FLOWS = join(FIXTURES, "cluster");
const nats = await startNatsServer();
const dirs: string[] = [];
const nodes: ServeProcess[] = [];

function tempDir(name: string): string {
  const dir = mkdtempSync(join(tmpdir(), `wfx-probe-${name}-`));
  dirs.push(dir);
  return dir;
}

async function node(id: string, args: string[]): Promise<ServeProcess> {
  const started = await startServe(tempDir(id), ["--node-id", id, "--nats", nats.url, "--workflows", FLOWS, ...args], {}, "node");
  nodes.push(started);
  return started;
}

const gateway = await node("probe-gateway", []);
const probePort = await freePort();
const worker = await node("probe-worker", ["--no-http", "--tags", "leaving_pool", "--grace", "30", "--probe-port", String(probePort), "--probe-host", "127.0.0.1"]);
const probe = worker.probeUrl()!;

test.after(async () => {
  for (const n of nodes) await n.kill("SIGTERM");
  await nats.close();
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

/** One raw request as a kubelet or a stranger on the pod network sends it. */
function raw(method: string, path: string, headers: Record<string, string> = {}): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request(`${probe}${path}`, { method, headers }, (res) => {
      let body = "";
      res.on("data", (chunk: Buffer) => (body += chunk));
      res.on("end", () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.once("error", reject);
    req.end();
  });
}

type Listed = { id: string; status: string };
const listed = async () => (await post(gateway.url, "list_nodes", {})).body["nodes"] as Listed[];

test("probe port - the worker serves no gateway; the banner names the probe port it was given", () => {
  assert.is(probe, `http://127.0.0.1:${probePort}`);
  assert.not.match(worker.stderr(), /HTTP:|gRPC:|MCP:|no tokens configured/, "no gateway (open or not) in the banner");
});

test("probe port - GET and HEAD /health 200, /ready 200, as the HTTP gateway answers them, without a token", async () => {
  assert.equal(JSON.parse((await raw("GET", "/health")).body), { status: "ok", node: "probe-worker" });
  const ready = await eventually(async () => {
    const answer = await raw("GET", "/ready");
    return answer.status === 200 ? answer : undefined;
  }, 10_000, "/ready 200");
  assert.equal(JSON.parse(ready.body), { status: "ready", node: "probe-worker" });
  assert.equal(await raw("HEAD", "/health"), { status: 200, body: "" });
  assert.is((await raw("GET", "/ready?verbose=1")).status, 200, "a query does not change the route");
  const gatewayHealth = (await (await fetch(`${gateway.url}/health`)).json()) as Record<string, unknown>;
  assert.equal(Object.keys(gatewayHealth), Object.keys(JSON.parse((await raw("GET", "/health")).body)), "the same fields as the gateway's");
});

test("probe port - everything else is 404: no executions, metrics, MCP, dashboard or method, and no POST", async () => {
  const refused: [string, string][] = [["GET", "/executions"], ["GET", "/metrics"], ["POST", "/mcp"], ["GET", "/ui"], ["GET", "/nodes"], ["GET", "/whoami"], ["POST", "/execute_workflow"], ["POST", "/list_nodes"], ["POST", "/health"], ["PUT", "/ready"], ["DELETE", "/ready"], ["GET", "/"], ["GET", "/health/x"]];
  for (const [method, path] of refused) {
    const answer = await raw(method, path, { authorization: "Bearer anything", "content-type": "application/json" });
    assert.is(answer.status, 404, `${method} ${path}`);
    assert.equal(JSON.parse(answer.body), { code: "WFX_NO_ROUTE", message: "the probe port serves GET /health and GET /ready only" }, `${method} ${path}: no route list, no data`);
  }
  const huge = await raw("GET", "/health", { "x-filler": "x".repeat(8192) });
  assert.is(huge.status, 431, "headers beyond the probe port's small limit are refused");
});

test("probe port - after SIGTERM while an execution runs on the worker, /ready answers 503 'shutting down' until the process exits", async () => {
  const running = post(gateway.url, "execute_workflow", { workflow_name: "slow_on_leaving_pool", input_data: { ms: 2500 } });
  await eventually(async () => {
    const executions = (await post(gateway.url, "list_executions", {})).body["executions"] as { execution_id: string; status: string }[] | undefined;
    const live = executions?.find((e) => e.status === "running");
    if (live === undefined) return undefined;
    const record = (await post(gateway.url, "check_execution_status", { execution_id: live.execution_id })).body;
    const steps = (record["steps"] ?? []) as { id: string; status: string; node?: string }[];
    return steps.some((s) => s.id === "crunch" && s.status === "running" && s.node === "probe-worker") ? true : undefined;
  }, 10_000, "the step running on the worker");
  const exited = new Promise<number | null>((resolve) => worker.child.once("exit", (code) => resolve(code)));
  worker.child.kill("SIGTERM");
  const answers: { status: number; body: string }[] = [];
  // Every answer from SIGTERM to exit: the first may still be 200, none after the first 503 may be.
  for (;;) {
    const answer = await raw("GET", "/ready").catch(() => undefined);
    if (answer === undefined) break;
    answers.push(answer);
  }
  const firstRefusal = answers.findIndex((a) => a.status === 503);
  assert.ok(firstRefusal >= 0, `some /ready answered 503 before exit: ${JSON.stringify(answers.slice(-3))}`);
  for (const answer of answers.slice(firstRefusal)) assert.equal(JSON.parse(answer.body), { status: "not ready", node: "probe-worker", reason: "shutting down" });
  assert.ok(answers.length - firstRefusal > 1, `/ready answered 503 for the whole drain (${answers.length - firstRefusal} times)`);
  assert.is(await exited, 0, worker.stderr());
  const finished = await running;
  assert.is(finished.body["status"], "completed", JSON.stringify(finished.body));
  await eventually(async () => ((await listed()).some((n) => n.id === "probe-worker" && n.status === "down") ? true : undefined), 5000, "the worker seen leaving");
});

test("probe port - a port already in use fails the start with WFX_PORT_IN_USE naming the port and the flag; the node is never announced", async () => {
  const port = await freePort();
  const holder: Server = createServer();
  await new Promise<void>((resolve) => holder.listen(port, "127.0.0.1", resolve));
  try {
    const args = ["node", "--node-id", "probe-clash", "--nats", nats.url, "--no-http", "--no-grpc", "--probe-port", String(port), "--probe-host", "127.0.0.1"];
    const result = await wfx(args, { dataDir: tempDir("clash"), timeoutMs: 20_000 });
    assert.is.not(result.code, 0, result.stderr);
    assert.match(result.stderr, "WFX_PORT_IN_USE");
    assert.match(result.stderr, `the probe port ${port} is already in use (127.0.0.1:${port})`);
    assert.match(result.stderr, "--probe-port");
    assert.not.ok((await listed()).some((n) => n.id === "probe-clash"), "a node that cannot bind its probe port never shows up");
  } finally {
    holder.close();
  }
});

test("probe port - a port that is not a whole number from 1 to 65535 is refused, by flag and by variable", async () => {
  const dataDir = tempDir("bad");
  const byFlag = await wfx(["serve", "--probe-port", "70000"], { dataDir, timeoutMs: 20_000 });
  assert.is.not(byFlag.code, 0);
  assert.match(byFlag.stderr, "the probe port must be a whole number from 1 to 65535, got 70000");
  const zero = await wfx(["serve", "--probe-port", "0"], { dataDir, timeoutMs: 20_000 });
  assert.is.not(zero.code, 0);
  assert.match(zero.stderr, "--probe-port must be an integer >= 1, got '0'");
  const byVariable = await wfx(["serve"], { dataDir, env: { WFX_PROBE_PORT: "http" }, timeoutMs: 20_000 });
  assert.is.not(byVariable.code, 0);
  assert.match(byVariable.stderr, "WFX_PROBE_PORT must be an integer >= 1, got 'http'");
});

test.run();
