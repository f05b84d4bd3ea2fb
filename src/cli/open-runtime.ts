import { hostname } from "node:os";
import { natsServers } from "./nats-servers.js";
import type { ClusterKeyFlags } from "./cluster-key-flags.js";
import { EmbeddedExecutionStore, resolveDataDir, Runtime, type ExecutionClient, type RuntimeOptions } from "../engine/internal.js";

/**
 * The node a CLI run records: WFX_NODE_ID, else the machine's name, the same for every run (a per-process id filled the
 * dashboard's node column with one-off nodes). Each process still has its own instance id, which liveness checks.
 */
export function cliNodeId(env: Record<string, string | undefined> = process.env): string {
  return env["WFX_NODE_ID"]?.trim() || hostname();
}

/** The CLI's runtime: embedded on-disk store in the data dir, so other `wfx` processes see the same executions. */
export async function openRuntime(dataDir: string | undefined, options: Partial<Pick<RuntimeOptions, "tools">> = {}): Promise<Runtime> {
  const dir = dataDir ?? resolveDataDir();
  const store = await EmbeddedExecutionStore.open({ dataDir: dir });
  return new Runtime({ ...options, store, dataDir: dir, nodeId: cliNodeId() });
}

/**
 * Runs `use` with a client of the executions in the data dir, or with `nats` (or WFX_NATS_URL) of every execution in
 * that cluster's store, and closes what it opened once `use` settles.
 */
export async function withClient<T>(dataDir: string | undefined, use: (client: ExecutionClient) => Promise<T>, nats: readonly string[] = [], clusterKey?: ClusterKeyFlags): Promise<T> {
  const servers = natsServers(nats);
  if (servers.length === 0) {
    const runtime = await openRuntime(dataDir);
    try {
      return await use(runtime);
    } finally {
      await runtime.close();
    }
  }
  // NATS and the cluster load only for a command pointed at one.
  const { observeCluster } = await import("./observe-cluster.js");
  const { cluster } = await observeCluster(servers, "cli", clusterKey);
  // A runtime that runs nothing: it reads the cluster store, and cancels through the node that runs an execution.
  const runtime = new Runtime({ store: cluster.store(), nodeId: cluster.options.nodeId, ownerAlive: cluster.ownerAlive(), mayAdopt: () => false, instanceId: cluster.instanceId });
  try {
    return await use(cluster.clientFor(runtime));
  } finally {
    await runtime.close();
    await cluster.close();
  }
}
