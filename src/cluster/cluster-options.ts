import { hostname } from "node:os";
import { randomBytes } from "node:crypto";
import { ClusterError } from "./errors.js";
import type { ClusterTrust } from "./trust/cluster-key.js";
import type { BeatMode } from "./registry/beat-protocol.js";

/** How a node joins the cluster: where NATS is, who it is, and how fast a dead node is noticed. */
export interface ClusterOptions {
  /** NATS server URLs (`nats://host:4222`); several for a NATS cluster. */
  servers: readonly string[];
  user: string | undefined;
  password: string | undefined;
  token: string | undefined;
  /** A `.creds` file (JWT + nkey seed). */
  credsFile: string | undefined;
  /** TLS: CA, client certificate and key files; any of them turns TLS on. */
  tls: { caFile?: string; certFile?: string; keyFile?: string } | undefined;
  nodeId: string;
  tags: readonly string[];
  /** The node's numeric resources (`{gpu: 2, memory_gb: 64}`), reserved by the placed steps that ask for them. */
  resources: Readonly<Record<string, number>>;
  /** Placed steps the node runs at once at most (the profile's capacity.steps); 0: it runs none. */
  stepCapacity: number;
  /** How often a node announces itself. */
  heartbeatMs: number;
  /** A node whose beats stop for this many intervals is down (1000 ms x 3: a dead node is seen within ~3 s). */
  missedBeatsDown: number;
  /** `delta` (changes, a slow refresh, ring-watched liveness) or `full` (every beat whole to every node, as before 0.2). */
  beats: BeatMode;
  /** Delta beats: how often a node sends its whole entry anyway, so one that missed a change converges. */
  registryRefreshMs: number;
  /** Delta beats: how many nodes hear each node's liveness beats and tell the others when it is gone. */
  livenessWatchers: number;
  /** First wait before retrying an unreachable NATS, doubling up to `maxRetryMs`. */
  retryMs: number;
  maxRetryMs: number;
  /** How long a step no node can take waits for one before it fails (WFX_NO_FEASIBLE_NODE). */
  placementTimeoutMs: number;
  /** At most this many bytes of a step's order or output cross NATS (undefined: the server's max_payload less 64 KiB). */
  maxStepPayloadBytes: number | undefined;
  /** Copies JetStream keeps of the cluster store's buckets and stream: 1 on one nats-server, 3 on a NATS cluster. */
  storeReplicas: number;
  /** How long the cluster store keeps records, events and claims (JetStream's max_age). */
  storeRetentionMs: number;
  /** The cluster key(s) every message and record is sealed with, or `insecure` (--insecure-cluster). */
  trust: ClusterTrust;
  /** Tag -> how many placed steps asking for it run at once in the whole cluster (the profile's `limits`). */
  tagLimits: Readonly<Record<string, number>>;
  /** How long a node's places under tag limits last without renewal (renewed every third of it): a killed node's free within it. */
  tagLeaseMs: number;
}

export const DEFAULT_CLUSTER_OPTIONS = Object.freeze({
  user: undefined,
  password: undefined,
  token: undefined,
  credsFile: undefined,
  tls: undefined,
  tags: Object.freeze([]) as readonly string[],
  resources: Object.freeze({}) as Readonly<Record<string, number>>,
  stepCapacity: 256,
  heartbeatMs: 1000,
  missedBeatsDown: 3,
  beats: "delta" as BeatMode,
  registryRefreshMs: 30_000,
  livenessWatchers: 3,
  retryMs: 250,
  maxRetryMs: 5000,
  placementTimeoutMs: 300_000,
  maxStepPayloadBytes: undefined,
  storeReplicas: 1,
  storeRetentionMs: 7 * 24 * 3600 * 1000,
  tagLimits: Object.freeze({}) as Readonly<Record<string, number>>,
  tagLeaseMs: 15_000,
});

/** `host-3f9a`: the hostname with a short random suffix, so two nodes on one host never share an id. */
export function defaultClusterNodeId(): string {
  return `${hostname()}-${randomBytes(2).toString("hex")}`;
}

function positive(name: string, value: number): void {
  if (!Number.isFinite(value) || value <= 0) throw new ClusterError("WFX_CLUSTER_CONFIG", `${name} must be a positive number, got ${value}`, { hint: `set ${name} to a number above 0` });
}

/** Fills defaults, checks and freezes; nothing else in the cluster layer falls back on its own. */
export function resolveClusterOptions(options: Partial<ClusterOptions> & Pick<ClusterOptions, "servers" | "trust">): Readonly<ClusterOptions> {
  const defined = Object.fromEntries(Object.entries(options).filter(([, v]) => v !== undefined)) as Partial<ClusterOptions>;
  const resolved: ClusterOptions = { ...DEFAULT_CLUSTER_OPTIONS, nodeId: defaultClusterNodeId(), ...defined, servers: options.servers, trust: options.trust };
  if (resolved.servers.length === 0) throw new ClusterError("WFX_CLUSTER_CONFIG", "no NATS server given", { hint: "pass --nats nats://host:4222 or set WFX_NATS_URL" });
  for (const server of resolved.servers) {
    if (!/^(nats|tls|wss?):\/\/[^\s]+$/.test(server) && !/^[^\s/]+:\d+$/.test(server)) throw new ClusterError("WFX_CLUSTER_CONFIG", `'${server}' is not a NATS server URL`, { hint: "write it as nats://host:4222" });
  }
  positive("heartbeatMs", resolved.heartbeatMs);
  positive("missedBeatsDown", resolved.missedBeatsDown);
  positive("registryRefreshMs", resolved.registryRefreshMs);
  if (resolved.beats !== "full" && resolved.beats !== "delta") throw new ClusterError("WFX_CLUSTER_CONFIG", `beats must be 'delta' or 'full', got '${String(resolved.beats)}'`, { hint: "set WFX_CLUSTER_BEATS=delta (changes only, the default) or full (every beat whole, as before)" });
  if (!Number.isInteger(resolved.livenessWatchers) || resolved.livenessWatchers < 1) throw new ClusterError("WFX_CLUSTER_CONFIG", `livenessWatchers must be a whole number of 1 or more, got ${resolved.livenessWatchers}`, { hint: "3 watchers per node is the default" });
  positive("retryMs", resolved.retryMs);
  positive("maxRetryMs", resolved.maxRetryMs);
  positive("placementTimeoutMs", resolved.placementTimeoutMs);
  positive("storeRetentionMs", resolved.storeRetentionMs);
  if (!Number.isInteger(resolved.stepCapacity) || resolved.stepCapacity < 0) throw new ClusterError("WFX_CLUSTER_CONFIG", `stepCapacity must be a whole number of 0 or more, got ${resolved.stepCapacity}`, { hint: "set capacity.steps in the node profile (or WFX_NODE_CAPACITY=steps=N)" });
  for (const [name, amount] of Object.entries(resolved.resources)) {
    if (!Number.isFinite(amount) || amount <= 0) throw new ClusterError("WFX_CLUSTER_CONFIG", `resource '${name}' must be a positive number, got ${amount}`, { hint: "write resources as name=amount pairs: WFX_NODE_RESOURCES=gpu=2,memory_gb=64" });
  }
  for (const [tag, limit] of Object.entries(resolved.tagLimits)) {
    if (!Number.isInteger(limit) || limit < 1) throw new ClusterError("WFX_CLUSTER_CONFIG", `the limit of tag '${tag}' must be a whole number of 1 or more, got ${limit}`, { hint: "write limits as tag=count pairs: WFX_CLUSTER_LIMITS=gpu=4,eu=10" });
  }
  positive("tagLeaseMs", resolved.tagLeaseMs);
  if (![1, 3, 5].includes(resolved.storeReplicas)) throw new ClusterError("WFX_CLUSTER_CONFIG", `storeReplicas must be 1, 3 or 5, got ${resolved.storeReplicas}`, { hint: "JetStream keeps 1, 3 or 5 copies; use 3 on a three-server NATS cluster" });
  return Object.freeze({ ...resolved, servers: Object.freeze([...resolved.servers]), tags: Object.freeze([...resolved.tags]), resources: Object.freeze({ ...resolved.resources }), tagLimits: Object.freeze({ ...resolved.tagLimits }) });
}
