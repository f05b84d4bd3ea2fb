import { TEST_CLUSTER_KEY } from "./helpers/cluster-key.js";
import { test } from "uvu";
import * as assert from "uvu/assert";
import { layOutPod, probePasses, startPod, type ChartPod } from "./helpers/chart-pod.js";
import { eventually } from "./helpers/engine-fixture.js";
import { chartValues, renderChart, type Manifest } from "./helpers/helm.js";
import { freePort, startNatsServer } from "./helpers/nats-server.js";
import type { ServeProcess } from "./helpers/serve-process.js";

// The chart's default values, pointed at a real nats-server and free ports; the pods run exactly what it renders.
const TOKEN = "helm-chart-test-token-0123456789";
const nats = await startNatsServer();
const pods: ChartPod[] = [];
const processes: ServeProcess[] = [];

test.after(async () => {
  for (const p of processes) await p.kill("SIGTERM");
  for (const pod of pods) pod.close();
  await nats.close();
});

interface Listed {
  id: string;
  tags: string[];
  capacity: number;
  status: string;
}

async function listNodes(url: string): Promise<Listed[]> {
  const answer = await fetch(`${url}/list_nodes`, { method: "POST", headers: { authorization: `Bearer ${TOKEN}`, "content-type": "application/json" }, body: "{}" });
  if (answer.status !== 200) throw new Error(`list_nodes answered ${answer.status}: ${await answer.text()}`);
  return ((await answer.json()) as { nodes: Listed[] }).nodes;
}

const workload = (ms: Manifest[], pool: string) => {
  const found = ms.find((m) => m.kind === "Deployment" && m.metadata.labels?.["app.kubernetes.io/component"] === pool);
  if (found === undefined) throw new Error(`no Deployment for pool ${pool}`);
  return found;
};

test("helm chart on real nodes - the gateway and gpu-worker pods, run as rendered, join NATS and announce the chart's ids and tags", async () => {
  const [httpPort, grpcPort, probePort] = [await freePort(), await freePort(), await freePort()];
  const values = chartValues();
  values.nats.url = nats.url;
  const pool = (name: string) => values.pools.find((p: { name: string }) => p.name === name);
  pool("gateway").gateways = { http: { port: httpPort }, grpc: { port: grpcPort }, mcp: "/mcp" };
  Object.assign(pool("gpu-worker"), { enabled: true, probe: { port: probePort } });
  const ms = renderChart(values);
  const secrets = { "wfx-workflow-executor-api-tokens": { "tokens.yaml": `- { id: ops, token: "${TOKEN}", scopes: [read, execute] }\n` }, "wfx-workflow-executor-cluster-key": { "cluster-key": TEST_CLUSTER_KEY } };
  const gatewayPod = layOutPod(ms, workload(ms, "gateway"), "wfx-workflow-executor-gateway-7d9f8c6b5-x2x9q", secrets);
  const gpuPod = layOutPod(ms, workload(ms, "gpu-worker"), "wfx-workflow-executor-gpu-worker-6c4b9d7f8-k7m2p", secrets);
  pods.push(gatewayPod, gpuPod);
  const gateway = await startPod(gatewayPod);
  const gpu = await startPod(gpuPod);
  processes.push(gateway, gpu);

  const url = `http://127.0.0.1:${httpPort}`;
  const nodes = await eventually(async () => {
    const listed = await listNodes(url);
    return listed.some((n) => n.id === gpuPod.podName && n.status === "up") && listed.some((n) => n.id === gatewayPod.podName) ? listed : undefined;
  }, 10_000, "both pods listed by the gateway");
  const record = (id: string) => nodes.find((n) => n.id === id)!;
  assert.equal(record(gpuPod.podName).tags, ["gpu", "gpu_workflow_executor"]);
  assert.equal(record(gpuPod.podName).tags, gpuPod.env["WFX_NODE_TAGS"]!.split(","), "the tags the chart set");
  assert.is(record(gpuPod.podName).capacity, 16, "capacity.executions of the pool");
  assert.equal(record(gatewayPod.podName).tags, ["gateway"]);
  assert.is(nodes.length, 2, "no other node on this NATS");

  // The kubelet's view: the rendered probes pass against the running pods (httpGet on the gateway's http port, on the worker's probe port).
  for (const [name, m] of [["gateway", workload(ms, "gateway")], ["gpu-worker", workload(ms, "gpu-worker")]] as const) {
    await eventually(async () => ((await probePasses(m, "readinessProbe")) ? true : undefined), 10_000, `${name} ready`);
    assert.ok(await probePasses(m, "livenessProbe"), `${name} live`);
    assert.ok(await probePasses(m, "startupProbe"), `${name} started`);
  }

  // The worker's probe port, which the chart opens on the pod network, answers its two paths and nothing else.
  assert.is(gpu.url, `http://0.0.0.0:${probePort}`, "the worker serves no gateway: its only port is the probe port");
  const probeUrl = `http://127.0.0.1:${probePort}`;
  assert.equal(await (await fetch(`${probeUrl}/health`)).json(), { status: "ok", node: gpuPod.podName });
  for (const path of ["/executions", "/metrics", "/list_nodes", "/mcp"]) assert.is((await fetch(`${probeUrl}${path}`, { headers: { authorization: `Bearer ${TOKEN}` } })).status, 404, path);
  assert.is((await fetch(`${probeUrl}/list_nodes`, { method: "POST", headers: { authorization: `Bearer ${TOKEN}` }, body: "{}" })).status, 404);

  // The gateway asks for a token and keeps the caller policy closed: a caller's http tool is refused.
  assert.is((await fetch(`${url}/list_nodes`, { method: "POST", body: "{}" })).status, 401);
  const workflow = { tools: [{ id: "web", type: "http", settings: { allow_hosts: ["example.com"] } }], workflows: { w: { steps: [{ tool: "web", args: { url: "https://example.com" } }] } } };
  const refused = await fetch(`${url}/execute_workflow`, { method: "POST", headers: { authorization: `Bearer ${TOKEN}` }, body: JSON.stringify({ workflow_config: workflow }) });
  assert.is(refused.status, 403);
  assert.is(((await refused.json()) as { code: string }).code, "WFX_CALLER_POLICY_DENIED");

  // SIGTERM, as a pod's deletion sends it: the worker drains, leaves the registry and exits cleanly.
  await gpu.kill("SIGTERM");
  assert.is(gpu.child.exitCode, 0, gpu.stderr());
  await eventually(async () => ((await listNodes(url)).some((n) => n.id === gpuPod.podName && n.status === "down") ? true : undefined), 5000, "the worker seen leaving");
});

test.run();
