import { Cluster, type ClusterOptions } from "../../cluster/index.js";
import type { Logger } from "../../observability/index.js";
import type { ServeFlags } from "./serve-flags.js";
import { clusterKeyFlagsOf, clusterTrustOf } from "../cluster-key-flags.js";
import { given } from "../../present.js";

const list = (value: string | undefined): string[] => (value ?? "").split(",").map((s) => s.trim()).filter((s) => s !== "");

/**
 * The cluster a `wfx node` joins: `--nats URL` (repeatable) or `WFX_NATS_URL` (comma-separated), with credentials from
 * `WFX_NATS_USER`/`WFX_NATS_PASSWORD`, `WFX_NATS_TOKEN` or `WFX_NATS_CREDS`; none of them: a single node.
 */
export function clusterFrom(flags: ServeFlags, env: Record<string, string | undefined>, node: { id: string | undefined; tags: readonly string[]; resources?: Readonly<Record<string, number>>; stepCapacity?: number; tagLimits?: Readonly<Record<string, number>> }, logger: Logger, fromProfile?: Partial<ClusterOptions> & Pick<ClusterOptions, "servers">): Cluster | undefined {
  const servers = (flags["nats"] as string[] | undefined) ?? list(env["WFX_NATS_URL"]);
  // A profile's nats section already has the WFX_NATS_* variables applied; --nats still wins.
  const timeout = env["WFX_PLACEMENT_TIMEOUT_S"] ? { placementTimeoutMs: Number(env["WFX_PLACEMENT_TIMEOUT_S"]) * 1000 } : {};
  const replicas = env["WFX_STORE_REPLICAS"] ? { storeReplicas: Number(env["WFX_STORE_REPLICAS"]) } : {};
  // The registry's beats: WFX_CLUSTER_BEATS=full|delta, WFX_CLUSTER_REFRESH_MS (delta's full refresh).
  const beats = given({ beats: env["WFX_CLUSTER_BEATS"] as ClusterOptions["beats"] | undefined, registryRefreshMs: env["WFX_CLUSTER_REFRESH_MS"] ? Number(env["WFX_CLUSTER_REFRESH_MS"]) : undefined });
  if (fromProfile === undefined && servers.length === 0) return undefined;
  // A node without the cluster key would obey any NATS client: it refuses to join unless told --insecure-cluster.
  const trust = clusterTrustOf(clusterKeyFlagsOf(flags), env);
  if (fromProfile !== undefined && flags["nats"] === undefined) return new Cluster({ ...fromProfile, ...given({ nodeId: node.id }), tags: node.tags, ...timeout, ...replicas, ...beats, trust }, logger);
  return new Cluster(
    {
      servers,
      trust,
      ...given({ nodeId: node.id }),
      tags: node.tags,
      resources: node.resources,
      stepCapacity: node.stepCapacity,
      tagLimits: node.tagLimits,
      user: env["WFX_NATS_USER"],
      password: env["WFX_NATS_PASSWORD"],
      token: env["WFX_NATS_TOKEN"],
      credsFile: env["WFX_NATS_CREDS"],
      ...timeout,
      ...replicas,
      ...beats,
    },
    logger,
  );
}
