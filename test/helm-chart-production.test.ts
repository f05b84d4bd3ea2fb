import { spawnSync } from "node:child_process";
import { fileURLToPath } from "node:url";
import { test } from "uvu";
import * as assert from "uvu/assert";
import { CHART, chartValues, helm, helmBinary, renderChart, valuesFile, type Manifest } from "./helpers/helm.js";

// What a production install sets on top of the defaults: scraping, autoscaling, spreading, network policies, an
// ingress, replicated storage. Every new value is switched on at once, and each object it renders is checked.

const HELM_SCRIPT = fileURLToPath(new URL("../../scripts/helm.sh", import.meta.url));
const SELECTOR = (pool: string) => ({ "app.kubernetes.io/name": "workflow-executor", "app.kubernetes.io/instance": "wfx", "app.kubernetes.io/component": pool });

/** Every production value on, with the gpu pool enabled and scaled by KEDA on the queue depth. */
function production(): any {
  const values = chartValues();
  values.serviceMonitor = { enabled: true, interval: "15s", scrapeTimeout: "5s", labels: { release: "kps" }, bearerTokenSecret: { name: "scrape-token", key: "token" } };
  values.store = { replicas: 3 };
  values.clusterLimits = { gpu: 4, eu: 10 };
  values.ingress = { enabled: true, pool: "gateway", className: "nginx", annotations: { "cert-manager.io/cluster-issuer": "letsencrypt" }, hosts: [{ host: "wfx.example.com", paths: [{ path: "/", pathType: "Prefix" }] }], tls: [{ secretName: "wfx-tls", hosts: ["wfx.example.com"] }] };
  values.networkPolicy = { enabled: true, gatewayFrom: [{ namespaceSelector: { matchLabels: { name: "ingress-nginx" } } }], metricsFrom: [{ namespaceSelector: { matchLabels: { name: "monitoring" } } }] };
  values.poolDefaults.autoscaling = { enabled: true, minReplicas: 2, maxReplicas: 8, targetCPUUtilizationPercentage: 60, keda: { enabled: false } };
  const gpu = values.pools.find((p: { name: string }) => p.name === "gpu-worker");
  gpu.enabled = true;
  gpu.autoscaling = { enabled: true, minReplicas: 0, maxReplicas: 4, keda: { enabled: true, serverAddress: "http://prometheus.monitoring:9090", query: "sum(wfx_queue_depth)", threshold: "3" } };
  gpu.topologySpreadConstraints = [{ maxSkew: 2, topologyKey: "kubernetes.io/hostname", whenUnsatisfiable: "DoNotSchedule", labelSelector: { matchLabels: SELECTOR("gpu-worker") } }];
  return values;
}

const ms = renderChart(production());
const ofKind = (kind: string) => ms.filter((m) => m.kind === kind);
const named = (kind: string, pool: string): Manifest => {
  const found = ofKind(kind).find((m) => m.metadata.labels?.["app.kubernetes.io/component"] === pool);
  if (found === undefined) throw new Error(`no ${kind} for pool ${pool}`);
  return found;
};

test("helm chart production - helm lint --strict passes with every new value on", () => {
  const lint = helm(["lint", "--strict", CHART, "-f", valuesFile(production())]);
  assert.is(lint.status, 0, lint.stdout + lint.stderr);
  assert.match(lint.stdout, "1 chart(s) linted, 0 chart(s) failed");
});

test("helm chart production - a ServiceMonitor per pool serving http, scraping /metrics with the token Secret", () => {
  assert.equal(ofKind("ServiceMonitor").map((m) => m.metadata.labels?.["app.kubernetes.io/component"]), ["gateway"], "pools without gateways cannot be scraped");
  const monitor = named("ServiceMonitor", "gateway");
  assert.is(monitor.metadata.labels?.["release"], "kps");
  assert.equal(monitor.spec.selector.matchLabels, SELECTOR("gateway"));
  assert.equal(monitor.spec.endpoints, [{ port: "http", path: "/metrics", interval: "15s", scrapeTimeout: "5s", scheme: "http", authorization: { type: "Bearer", credentials: { name: "scrape-token", key: "token" } } }]);
});

test("helm chart production - autoscaling: an HPA on CPU per pool, a KEDA ScaledObject on the queue depth where asked; the workload leaves replicas to them", () => {
  assert.equal(ofKind("HorizontalPodAutoscaler").map((m) => m.metadata.labels?.["app.kubernetes.io/component"]), ["gateway", "worker"]);
  const hpa = named("HorizontalPodAutoscaler", "worker");
  assert.equal(hpa.spec.scaleTargetRef, { apiVersion: "apps/v1", kind: "Deployment", name: "wfx-workflow-executor-worker" });
  assert.equal([hpa.spec.minReplicas, hpa.spec.maxReplicas], [2, 8]);
  assert.equal(hpa.spec.metrics, [{ type: "Resource", resource: { name: "cpu", target: { type: "Utilization", averageUtilization: 60 } } }]);
  const scaled = named("ScaledObject", "gpu-worker");
  assert.equal(scaled.spec.scaleTargetRef, { apiVersion: "apps/v1", kind: "Deployment", name: "wfx-workflow-executor-gpu-worker" });
  assert.equal([scaled.spec.minReplicaCount, scaled.spec.maxReplicaCount], [0, 4]);
  assert.equal(scaled.spec.triggers, [{ type: "prometheus", metadata: { serverAddress: "http://prometheus.monitoring:9090", query: "sum(wfx_queue_depth)", threshold: "3" } }]);
  for (const workload of ofKind("Deployment")) assert.is(workload.spec.replicas, undefined, `${workload.metadata.name} leaves replicas to its autoscaler`);
});

test("helm chart production - pods spread across zones and hosts by default; a pool's own constraints replace them", () => {
  const spread = (pool: string) => named("Deployment", pool).spec.template.spec.topologySpreadConstraints;
  for (const pool of ["gateway", "worker"]) {
    assert.equal(spread(pool), ["topology.kubernetes.io/zone", "kubernetes.io/hostname"].map((topologyKey) => ({ maxSkew: 1, topologyKey, whenUnsatisfiable: "ScheduleAnyway", labelSelector: { matchLabels: SELECTOR(pool) } })), pool);
  }
  assert.equal(spread("gpu-worker").map((c: { maxSkew: number }) => c.maxSkew), [2]);
  const off = renderChart({ poolDefaults: { defaultTopologySpread: false } });
  assert.not.ok(off.some((m) => m.kind === "Deployment" && m.spec.template.spec.topologySpreadConstraints), "defaultTopologySpread: false sets none");
});

test("helm chart production - network policies: gateways reachable from where the operator says, worker pools from nowhere (their kubelet aside)", () => {
  const gateway = named("NetworkPolicy", "gateway");
  assert.equal(gateway.spec.podSelector.matchLabels, SELECTOR("gateway"));
  assert.equal(gateway.spec.policyTypes, ["Ingress"]);
  assert.equal(gateway.spec.ingress, [
    { ports: [{ port: "http", protocol: "TCP" }, { port: "grpc", protocol: "TCP" }], from: [{ namespaceSelector: { matchLabels: { name: "ingress-nginx" } } }] },
    { ports: [{ port: "http", protocol: "TCP" }], from: [{ namespaceSelector: { matchLabels: { name: "monitoring" } } }] },
  ]);
  for (const pool of ["worker", "gpu-worker"]) {
    const policy = named("NetworkPolicy", pool);
    assert.equal([policy.spec.policyTypes, policy.spec.ingress], [["Ingress"], []], `${pool} takes no connection (it dials NATS; its node's kubelet is not subject to the policy)`);
  }
  // Where a CNI filters the kubelet's own traffic, the probe port opens to the peers named, and to nothing else.
  const kubelets = [{ ipBlock: { cidr: "10.0.0.0/16" } }];
  const filtered = renderChart({ ...production(), networkPolicy: { ...production().networkPolicy, probeFrom: kubelets } });
  const worker = filtered.find((m) => m.kind === "NetworkPolicy" && m.metadata.labels?.["app.kubernetes.io/component"] === "worker")!;
  assert.equal(worker.spec.ingress, [{ ports: [{ port: "probe", protocol: "TCP" }], from: kubelets }]);
  const gatewayPolicy = filtered.find((m) => m.kind === "NetworkPolicy" && m.metadata.labels?.["app.kubernetes.io/component"] === "gateway")!;
  assert.equal(gatewayPolicy.spec.ingress, gateway.spec.ingress, "a pool serving gateways is probed on http, which its rules already cover");
});

test("helm chart production - an Ingress routes the gateway pool's http port; a pool without a Service is refused", () => {
  const ingress = ofKind("Ingress")[0]!;
  assert.is(ingress.metadata.annotations?.["cert-manager.io/cluster-issuer"], "letsencrypt");
  assert.is(ingress.spec.ingressClassName, "nginx");
  assert.equal(ingress.spec.tls, [{ secretName: "wfx-tls", hosts: ["wfx.example.com"] }]);
  assert.equal(ingress.spec.rules, [{ host: "wfx.example.com", http: { paths: [{ path: "/", pathType: "Prefix", backend: { service: { name: "wfx-workflow-executor-gateway", port: { name: "http" } } } }] } }]);
  const services = ofKind("Service").map((m) => m.metadata.name);
  assert.ok(services.includes("wfx-workflow-executor-gateway"), "the backend Service exists");
  const toWorker = helm(["template", "wfx", CHART, "-f", valuesFile({ ingress: { enabled: true, pool: "worker" } })]);
  assert.is.not(toWorker.status, 0);
  assert.match(toWorker.stderr, "ingress.pool 'worker' serves no gateway");
});

test("helm chart production - store.replicas sets WFX_STORE_REPLICAS on every pod; the schema refuses more than 5", () => {
  for (const workload of ofKind("Deployment")) {
    const env = workload.spec.template.spec.containers[0].env as { name: string; value?: string }[];
    assert.is(env.find((e) => e.name === "WFX_STORE_REPLICAS")?.value, "3", workload.metadata.name);
  }
  const bad = helm(["template", "wfx", CHART, "-f", valuesFile({ store: { replicas: 7 } })]);
  assert.is.not(bad.status, 0);
  assert.match(bad.stderr, "/store/replicas");
});

test("helm chart production - clusterLimits sets WFX_CLUSTER_LIMITS on every pod, the same everywhere; the schema refuses a limit below 1", () => {
  for (const workload of ofKind("Deployment")) {
    const env = workload.spec.template.spec.containers[0].env as { name: string; value?: string }[];
    assert.is(env.find((e) => e.name === "WFX_CLUSTER_LIMITS")?.value, "eu=10,gpu=4", workload.metadata.name);
  }
  assert.not.ok(renderChart().some((m) => JSON.stringify(m).includes("WFX_CLUSTER_LIMITS")), "no limits by default");
  const bad = helm(["template", "wfx", CHART, "-f", valuesFile({ clusterLimits: { gpu: 0 } })]);
  assert.is.not(bad.status, 0);
  assert.match(bad.stderr, "/clusterLimits/gpu");
});

test("helm chart production - scripts/helm.sh runs the helm the tests use", () => {
  const which = spawnSync("bash", [HELM_SCRIPT, "--which"], { encoding: "utf8" });
  assert.is(which.status, 0, which.stderr);
  assert.is(which.stdout.trim(), helmBinary());
  const version = spawnSync("bash", [HELM_SCRIPT, "version", "--short"], { encoding: "utf8" });
  assert.is(version.status, 0, version.stderr);
  assert.match(version.stdout, /^v\d+\.\d+\.\d+/);
});

test.run();
