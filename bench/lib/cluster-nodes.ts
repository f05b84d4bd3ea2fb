import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Cluster } from "../../src/cluster/index.js";
import { EmbeddedExecutionStore, LocalNodeRegistry, Runtime, type WorkflowSource } from "../../src/engine/index.js";
import { Admission, ExecutionQueue } from "../../src/engine/internal.js";
import { silentLogger } from "../../src/observability/index.js";
import { startNatsServer, type NatsServer } from "../../test/helpers/nats-server.js";
import { startServe, type ServeProcess } from "../../test/helpers/serve-process.js";
import { testTrust } from "../../test/helpers/cluster-key.js";
import { FIXTURES, loadSource } from "./setup.js";

/** The tag only the worker node offers: a step asking for it can run nowhere else. */
export const WORKER_TAG = "bench-worker";
const SUPERVISOR_ID = "bench-supervisor";
const WORKER_ID = "bench-worker-1";

/** One nats-server, a `wfx node` child offering WORKER_TAG, and this process as a node running supervisors. */
export interface BenchCluster {
  nats: NatsServer;
  worker: ServeProcess;
  /** This process's runtime, a cluster member: placed steps of its executions run on the worker. */
  runtime: Runtime;
  source: WorkflowSource;
  close(): Promise<void>;
}

/**
 * Starts the bench's cluster: Debian's nats-server on a free port with its own store dir (never the machine's 4222),
 * a real `wfx node --nats URL --tags bench-worker` child process, and this process joined as node `bench-supervisor`
 * with an embedded store, the way `wfx node` opens its runtime. Resolves once a placed step has completed.
 * `workerNodeFlags`: node's own flags for the worker (`--cpu-prof` to profile it).
 */
export async function startBenchCluster(options: { insecure?: boolean; workerNodeFlags?: string[] } = {}): Promise<BenchCluster> {
  const dirs = [mkdtempSync(join(tmpdir(), "wfx-bench-worker-")), mkdtempSync(join(tmpdir(), "wfx-bench-supervisor-"))];
  const [workerDir, supervisorDir] = dirs as [string, string];
  const nats = await startNatsServer();
  // --insecure-cluster: the same cluster with nothing signed or encrypted, the baseline the cluster key's cost is measured against.
  const keyless = options.insecure === true ? ["--insecure-cluster"] : [];
  const worker = await startServe(workerDir, ["--nats", nats.url, "--node-id", WORKER_ID, "--tags", WORKER_TAG, "--workflows", FIXTURES, ...keyless], { WFX_LOG_LEVEL: "warn", ...(options.insecure === true ? { WFX_CLUSTER_KEY: "" } : {}) }, "node", options.workerNodeFlags);
  const cluster = new Cluster({ servers: [nats.url], nodeId: SUPERVISOR_ID, trust: options.insecure === true ? { mode: "insecure" } : testTrust() }, silentLogger());
  const self = new LocalNodeRegistry({ id: SUPERVISOR_ID, tags: [], capacity: 10_000, version: "bench" });
  const store = await EmbeddedExecutionStore.open({ dataDir: supervisorDir });
  const runtime = new Runtime({ store, dataDir: supervisorDir, nodeId: SUPERVISOR_ID, workflowFolders: [FIXTURES], stepHost: cluster.stepHost() });
  // The bench node takes no placed executions: a queue with room for them all.
  const queue = new ExecutionQueue(new Admission(10_000), { maxQueued: 10_000 });
  cluster.join({ engine: runtime, self, queue, folders: { operator: FIXTURES, callerRoot: supervisorDir, workflowFolders: [FIXTURES] }, drain: () => {}, undrain: () => false });
  await cluster.announce();
  const close = async () => {
    await runtime.close();
    await cluster.close();
    await worker.kill("SIGTERM");
    await nats.close();
    for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
  };
  const source = await loadSource(join(FIXTURES, "cluster.yaml"));
  try {
    await firstPlacedStep(runtime, source);
  } catch (error) {
    await close();
    throw error;
  }
  return { nats, worker, runtime, source, close };
}

/** Runs `placed1` until it completes: the worker has been seen up and the actor link to it is made. */
async function firstPlacedStep(runtime: Runtime, source: WorkflowSource): Promise<void> {
  const deadline = performance.now() + 15_000;
  for (;;) {
    const record = await runtime.execute({ source, workflowName: "placed1", input: { value: 1 }, timeoutS: 2 });
    if (record.status === "completed" && record.steps[0]?.node === WORKER_ID) return;
    if (performance.now() > deadline) throw new Error(`the worker node never ran a placed step: ${JSON.stringify(record.error ?? record.steps)}`);
  }
}
