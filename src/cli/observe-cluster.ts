import { Cluster, type ClusterNodeRegistry } from "../cluster/index.js";
import type { NodeRegistry } from "../engine/internal.js";
import { silentLogger } from "../observability/index.js";
import { CliError } from "./cli-error.js";
import { EXIT } from "./exit-codes.js";
import { clusterTrustOf, type ClusterKeyFlags } from "./cluster-key-flags.js";

/** How long a command waits for NATS before it says it cannot reach it. */
const REACH_MS = 5000;


/**
 * Joins the cluster as an observer (announcing nothing) for a CLI command: resolves once NATS is reached, with the
 * cluster and its live registry; throws a CLI error naming the servers when they cannot be reached.
 */
export async function observeCluster(servers: readonly string[], name: string, key?: ClusterKeyFlags): Promise<{ cluster: Cluster; registry: NodeRegistry }> {
  const cluster = new Cluster({ servers, nodeId: `wfx-${name}-${process.pid}`, maxRetryMs: 1000, trust: clusterTrustOf(key) }, silentLogger());
  const registry = cluster.registryFor(undefined) as ClusterNodeRegistry;
  const unreachable = setTimeout(() => void cluster.close(), REACH_MS);
  await cluster.joined();
  clearTimeout(unreachable);
  if (!cluster.readiness.ready) {
    await cluster.close();
    throw new CliError(`cannot reach NATS at ${servers.join(", ")}`, { hint: "check the URL and that nats-server runs", exitCode: EXIT.failed });
  }
  return { cluster, registry };
}
