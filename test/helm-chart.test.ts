import { test } from "uvu";
import * as assert from "uvu/assert";
import { parse } from "yaml";
import { defaultCallerPolicy, loadNodeProfile, parseCallerPolicy } from "../src/config/index.js";
import { layOutPod } from "./helpers/chart-pod.js";
import { CHART, chartValues, helm, renderChart, valuesFile, type Manifest } from "./helpers/helm.js";

type Env = { name: string; value?: string; valueFrom?: any };

function must<T>(found: T | undefined, what: string): T {
  if (found === undefined) throw new Error(`the chart rendered no ${what}`);
  return found;
}
const workloads = (ms: Manifest[]) => ms.filter((m) => m.kind === "Deployment" || m.kind === "StatefulSet");
const poolOf = (m: Manifest) => m.metadata.labels?.["app.kubernetes.io/component"];
const workload = (ms: Manifest[], pool: string) => must(workloads(ms).find((m) => poolOf(m) === pool), `workload for pool ${pool}`);
const container = (m: Manifest) => m.spec.template.spec.containers[0];
const env = (m: Manifest): Map<string, Env> => new Map((container(m).env as Env[]).map((e) => [e.name, e]));
const value = (m: Manifest, name: string) => env(m).get(name)?.value;
const configMap = (ms: Manifest[], name: string) => must(ms.find((m) => m.kind === "ConfigMap" && m.metadata.name === name), `ConfigMap ${name}`);
/** The chart's default values with every pool switched on. */
function everyPool(): any {
  const values = chartValues();
  for (const pool of values.pools) pool.enabled = true;
  return values;
}
const refused = (values: unknown) => helm(["template", "wfx", CHART, "-f", valuesFile(values)]);

test("helm chart - helm lint passes with the default values and with every pool enabled", () => {
  for (const args of [[], ["-f", valuesFile(everyPool())]]) {
    const lint = helm(["lint", "--strict", CHART, ...args]);
    assert.is(lint.status, 0, lint.stdout + lint.stderr);
    assert.match(lint.stdout, "1 chart(s) linted, 0 chart(s) failed");
  }
});

test("helm chart - default values: a Deployment per enabled pool, with its replicas, tags and capacity as WFX_* variables", () => {
  const ms = renderChart();
  assert.equal(workloads(ms).map((m) => [m.kind, poolOf(m), m.spec.replicas]), [["Deployment", "gateway", 2], ["Deployment", "worker", 2]]);
  const gateway = workload(ms, "gateway");
  assert.is(value(gateway, "WFX_NODE_TAGS"), "gateway");
  assert.is(value(gateway, "WFX_NODE_CAPACITY"), "executions=0,steps=0");
  assert.is(value(gateway, "WFX_NODE_GATEWAYS"), "http,grpc");
  assert.is(value(gateway, "WFX_NATS_URL"), "nats://nats:4222");
  assert.equal(env(gateway).get("WFX_NODE_ID")!.valueFrom, { fieldRef: { fieldPath: "metadata.name" } }, "the node id is the pod's name");
  const worker = workload(ms, "worker");
  assert.not.ok(env(worker).has("WFX_NODE_TAGS"), "a pool without tags sets none");
  assert.is(value(worker, "WFX_NODE_CAPACITY"), "executions=64,steps=128");
});

test("helm chart - every pool: one workload each; gpu requests nvidia.com/gpu; the profile and env load as wfx node reads them", () => {
  const values = everyPool();
  const ms = renderChart(values);
  assert.equal(workloads(ms).map(poolOf), values.pools.map((p: { name: string }) => p.name));
  const gpu = workload(ms, "gpu-worker");
  assert.is(value(gpu, "WFX_NODE_TAGS"), "gpu,gpu_workflow_executor");
  assert.is(value(gpu, "WFX_NODE_RESOURCES"), "gpu=2,memory_gb=64");
  assert.is(container(gpu).resources.limits["nvidia.com/gpu"], 2);
  assert.ok(gpu.spec.template.spec.tolerations.some((t: { key: string }) => t.key === "nvidia.com/gpu"));
  assert.is(value(workload(ms, "high-memory-worker"), "WFX_NODE_RESOURCES"), "memory_gb=512");
  for (const pool of values.pools) {
    const pod = layOutPod(ms, workload(ms, pool.name), `wfx-${pool.name}-0`, { "wfx-workflow-executor-api-tokens": { "tokens.yaml": "[]" }, "wfx-workflow-executor-cluster-key": { "cluster-key": "k".repeat(43) } });
    const profile = loadNodeProfile(pod.args[pod.args.indexOf("--profile") + 1], pod.env);
    pod.close();
    assert.is(profile.id, `wfx-${pool.name}-0`);
    assert.equal(profile.tags, pool.tags ?? [], pool.name);
    assert.equal(profile.resources, pool.nodeResources ?? {}, pool.name);
    assert.equal(profile.capacity, { queued: 10_000, ...pool.capacity }, pool.name);
    assert.equal(profile.nats?.servers, ["nats://nats:4222"], pool.name);
    assert.equal(profile.heartbeat, { interval_ms: 1000, missed_beats_down: 3 }, pool.name);
    if (pool.gateways === undefined) assert.equal(profile.gateways, {}, `${pool.name}: no gateway, not even on loopback`);
    else assert.equal(profile.gateways, { http: { port: 4020 }, grpc: { port: 50051 }, mcp: "/mcp" }, pool.name);
  }
});

test("helm chart - probes read /ready and /health; the pod's grace outlasts the node's drain (--grace)", () => {
  const ms = renderChart({ ...everyPool(), poolDefaults: { ...chartValues().poolDefaults, graceSeconds: 60 } });
  for (const m of workloads(ms)) {
    const c = container(m);
    assert.not.ok(c.startupProbe.exec ?? c.livenessProbe.exec ?? c.readinessProbe.exec, `${poolOf(m)}: no probe forks a process`);
    assert.is(c.readinessProbe.httpGet.path, "/ready", poolOf(m));
    assert.is(c.livenessProbe.httpGet.path, "/health", poolOf(m));
    assert.is(c.startupProbe.httpGet.path, "/health", poolOf(m));
    assert.is(c.args[c.args.indexOf("--grace") + 1], "60");
    assert.ok(m.spec.template.spec.terminationGracePeriodSeconds > 60, `${poolOf(m)}: ${m.spec.template.spec.terminationGracePeriodSeconds}`);
  }
  assert.is(container(workload(ms, "gateway")).readinessProbe.httpGet.port, "http");
  assert.not.ok(env(workload(ms, "gateway")).has("WFX_PROBE_PORT"), "a pool serving http is probed on it");
  for (const pool of ["worker", "gpu-worker", "high-memory-worker"]) {
    const worker = workload(ms, pool);
    const c = container(worker);
    for (const probe of [c.startupProbe, c.livenessProbe, c.readinessProbe]) assert.equal([probe.httpGet.port, probe.httpGet.scheme], ["probe", "HTTP"], pool);
    assert.equal(c.ports, [{ name: "probe", containerPort: 4021, protocol: "TCP" }], `${pool}: the probe port and nothing else`);
    assert.is(value(worker, "WFX_PROBE_PORT"), "4021");
    assert.is(value(worker, "WFX_NODE_GATEWAYS"), "none");
    assert.not.ok(env(worker).has("WFX_HTTP_PORT"), pool);
    assert.not.ok((c.args as string[]).includes("--host"), `${pool}: no gateway left listening on loopback`);
  }
  const moved = renderChart({ poolDefaults: { ...chartValues().poolDefaults, probe: { port: 9101 } } });
  assert.equal(container(workload(moved, "worker")).ports, [{ name: "probe", containerPort: 9101, protocol: "TCP" }]);
  assert.is(value(workload(moved, "worker"), "WFX_PROBE_PORT"), "9101");
});

test("helm chart - NATS credentials, TLS files and API tokens are Secrets the pods reference, never values the chart writes", () => {
  const tls = { enabled: true, existingSecret: "nats-tls", caKey: "ca.crt", certKey: "tls.crt", keyKey: "tls.key" };
  const ms = renderChart({ nats: { url: ["nats://nats-0:4222", "nats://nats-1:4222"], auth: { type: "userPassword", existingSecret: "nats-auth" }, tls }, apiTokens: { existingSecret: "wfx-tokens" } });
  assert.not.ok(ms.some((m) => m.kind === "Secret"), "the chart renders no Secret");
  const gateway = workload(ms, "gateway");
  assert.is(value(gateway, "WFX_NATS_URL"), "nats://nats-0:4222,nats://nats-1:4222");
  for (const [name, key] of [["WFX_NATS_USER", "user"], ["WFX_NATS_PASSWORD", "password"]] as const) {
    assert.equal(env(gateway).get(name), { name, valueFrom: { secretKeyRef: { name: "nats-auth", key } } });
  }
  const volumes = gateway.spec.template.spec.volumes as { name: string; secret?: { secretName: string } }[];
  assert.is(volumes.find((v) => v.name === "api-tokens")?.secret?.secretName, "wfx-tokens");
  assert.is(volumes.find((v) => v.name === "nats-tls")?.secret?.secretName, "nats-tls");
  const args = container(gateway).args as string[];
  assert.is(args[args.indexOf("--tokens") + 1], "/etc/wfx/tokens/tokens.yaml");
  const profile = parse(configMap(ms, "wfx-workflow-executor-gateway-profile").data!["profile.yaml"]!);
  assert.equal(profile.nats, { tls: { ca: "/etc/wfx/nats-tls/ca.crt", cert: "/etc/wfx/nats-tls/tls.crt", key: "/etc/wfx/nats-tls/tls.key" } });
  const worker = workload(ms, "worker");
  assert.not.ok((worker.spec.template.spec.volumes as { name: string }[]).some((v) => v.name === "api-tokens"), "a pool serving no gateway gets no tokens");

  const creds = renderChart({ nats: { url: "nats://nats:4222", auth: { type: "creds", existingSecret: "nats-creds", credsKey: "wfx.creds" } } });
  const credsWorker = workload(creds, "worker");
  assert.is(value(credsWorker, "WFX_NATS_CREDS"), "/etc/wfx/nats-creds/wfx.creds");
  assert.is(credsWorker.spec.template.spec.volumes.find((v: { name: string }) => v.name === "nats-creds").secret.secretName, "nats-creds");
  const token = renderChart({ nats: { url: "nats://nats:4222", auth: { type: "token", existingSecret: "nats-token" } } });
  assert.equal(env(workload(token, "worker")).get("WFX_NATS_TOKEN"), { name: "WFX_NATS_TOKEN", valueFrom: { secretKeyRef: { name: "nats-token", key: "token" } } });
});

test("helm chart - the cluster key comes from a Secret the pods reference (new,old during a rotation); insecure only when asked", () => {
  const defaults = workload(renderChart({}), "worker");
  assert.equal(env(defaults).get("WFX_CLUSTER_KEYS"), { name: "WFX_CLUSTER_KEYS", valueFrom: { secretKeyRef: { name: "wfx-workflow-executor-cluster-key", key: "cluster-key" } } });
  assert.is(value(defaults, "WFX_INSECURE_CLUSTER"), undefined);
  const own = workload(renderChart({ clusterKey: { existingSecret: "wfx-key", key: "k" } }), "gateway");
  assert.equal(env(own).get("WFX_CLUSTER_KEYS")?.valueFrom, { secretKeyRef: { name: "wfx-key", key: "k" } });
  const insecure = workload(renderChart({ clusterKey: { insecure: true } }), "worker");
  assert.is(value(insecure, "WFX_INSECURE_CLUSTER"), "true");
  assert.not.ok(env(insecure).has("WFX_CLUSTER_KEYS"));
});

test("helm chart - the caller policy opens nothing by default; a policy in the values is what the node loads", () => {
  const ms = renderChart(everyPool());
  const policyText = configMap(ms, "wfx-workflow-executor-caller-policy").data!["caller-policy.yaml"]!;
  assert.equal(parseCallerPolicy(policyText, "rendered"), defaultCallerPolicy());
  for (const m of workloads(ms)) {
    const args = container(m).args as string[];
    assert.equal(args.filter((a) => a.startsWith("--caller")), ["--caller-policy"], poolOf(m));
    assert.not.ok(env(m).has("WFX_CALLER_POLICY"), poolOf(m));
  }
  const granted = renderChart({ callerPolicy: { policy: { http_hosts: ["api.example.com"] } } });
  const policy = parseCallerPolicy(configMap(granted, "wfx-workflow-executor-caller-policy").data!["caller-policy.yaml"]!, "rendered");
  assert.equal(policy, { ...defaultCallerPolicy(), http_hosts: ["api.example.com"] });
});

test("helm chart - Services for pools that serve gateways; persistence makes a StatefulSet; non-root on a read-only root", () => {
  const values = chartValues();
  values.pools[1].persistence = { enabled: true, size: "5Gi" };
  values.metrics = { annotations: true };
  const ms = renderChart(values);
  const services = ms.filter((m) => m.kind === "Service");
  assert.equal(services.map((s) => [s.metadata.name, s.spec.clusterIP ?? "", (s.spec.ports ?? []).map((p: { name: string; port: number }) => `${p.name}:${p.port}`)]), [
    ["wfx-workflow-executor-gateway", "", ["http:4020", "grpc:50051"]],
    ["wfx-workflow-executor-worker-headless", "None", []],
  ]);
  const worker = workload(ms, "worker");
  assert.is(worker.kind, "StatefulSet");
  assert.is(worker.spec.serviceName, "wfx-workflow-executor-worker-headless");
  assert.is(worker.spec.volumeClaimTemplates[0].spec.resources.requests.storage, "5Gi");
  assert.not.ok(worker.spec.template.spec.volumes.some((v: { name: string }) => v.name === "data"), "the data volume is the claim");
  const gateway = workload(ms, "gateway");
  assert.ok(gateway.spec.template.spec.volumes.some((v: { name: string; emptyDir?: object }) => v.name === "data" && v.emptyDir));
  assert.is(gateway.spec.template.metadata.annotations["prometheus.io/path"], "/metrics");
  assert.not.ok(worker.spec.template.metadata.annotations["prometheus.io/scrape"], "a pool without gateways cannot be scraped");
  for (const m of workloads(ms)) {
    const pod = m.spec.template.spec;
    assert.ok(pod.securityContext.runAsNonRoot && pod.securityContext.runAsUser > 0, poolOf(m));
    assert.equal([container(m).securityContext.readOnlyRootFilesystem, container(m).securityContext.allowPrivilegeEscalation], [true, false], poolOf(m));
    assert.is(pod.automountServiceAccountToken, false);
  }
  assert.equal(ms.filter((m) => m.kind === "PodDisruptionBudget").map((m) => m.spec.maxUnavailable), [1, 1]);
});

test("helm chart - bad values are refused with a message naming the value and what is wrong", () => {
  const cases: [string, unknown, RegExp][] = [
    ["a pool without a name", { pools: [{ replicas: 1 }] }, /pools\/0.*missing property 'name'/s],
    ["a negative capacity", { pools: [{ name: "w", capacity: { executions: -1, steps: 1 } }] }, /pools\/0\/capacity\/executions.*minimum: got -1/],
    ["a zero numeric resource", { pools: [{ name: "w", nodeResources: { gpu: 0 } }] }, /pools\/0\/nodeResources\/gpu.*exclusiveMinimum/],
    ["a tag with a comma", { pools: [{ name: "w", tags: ["gpu,eu"] }] }, /pools\/0\/tags\/0.*does not match pattern/],
    ["a misspelt pool key", { pools: [{ name: "w", replica: 2 }] }, /additional properties 'replica' not allowed/],
    ["a pool name that is not a DNS label", { pools: [{ name: "GPU_pool" }] }, /pools\/0\/name.*does not match pattern/],
    ["two pools with one name", { pools: [{ name: "w" }, { name: "w" }] }, /a second pool named 'w'/],
    ["grpc without http", { pools: [{ name: "g", gateways: { grpc: { port: 50051 } } }] }, /grpc without http/],
    ["the old probe.loopbackPort", { pools: [{ name: "w", probe: { loopbackPort: 4020 } }] }, /additional properties 'loopbackPort' not allowed/],
    ["a probe port out of range", { pools: [{ name: "w", probe: { port: 70000 } }] }, /pools\/0\/probe\/port.*maximum/],
    ["NATS credentials without their Secret", { nats: { url: "nats://n:4222", auth: { type: "token" } } }, /nats.auth.existingSecret is empty/],
    ["a NATS URL that is none", { nats: { url: "" } }, /nats\/url/],
  ];
  for (const [what, values, message] of cases) {
    const result = refused(values);
    assert.is.not(result.status, 0, `${what}: rendered anyway`);
    assert.match(result.stderr, message, what);
  }
});

test.run();
