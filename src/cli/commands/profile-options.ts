import type { NodeProfile } from "../../config/index.js";
import type { ClusterOptions } from "../../cluster/index.js";
import type { GatewayOptions } from "../../gateway/index.js";
import { given } from "../../present.js";

/** Executions a gateway-only node has in flight on workers at once (its requests, not its own work). */
const GATEWAY_ONLY_IN_FLIGHT = 1024;

/** What a node profile says, as the gateway's options (flags given on the command line go over these). */
export function gatewayOptionsOfProfile(profile: NodeProfile): Partial<GatewayOptions> {
  const { http, grpc, mcp } = profile.gateways;
  return {
    nodeId: profile.id,
    tags: profile.tags,
    // A profile that runs no executions (a gateway-only node) still admits requests, which the cluster places on workers.
    maxConcurrentExecutions: profile.capacity.executions > 0 ? profile.capacity.executions : GATEWAY_ONLY_IN_FLIGHT,
    supervisesExecutions: profile.capacity.executions > 0,
    maxQueued: profile.capacity.queued,
    http: http !== undefined,
    grpc: grpc !== undefined,
    ...(http === undefined ? {} : { httpPort: http.port, ...given({ host: http.host }) }),
    ...(grpc === undefined ? {} : { grpcPort: grpc.port }),
    ...given({ mcpPath: mcp }),
    callerPolicy: profile.caller_policy,
    prices: profile.prices,
    modelLimits: profile.model_limits,
  };
}

/** A node without a profile still takes its gateways' ports from WFX_HTTP_PORT and WFX_GRPC_PORT (checked there); flags go over them. */
export function envPortsOf(envProfile: NodeProfile | undefined, env: Record<string, string | undefined> = process.env): Partial<GatewayOptions> {
  if (envProfile === undefined) return {};
  const { http, grpc } = envProfile.gateways;
  return { ...(env["WFX_HTTP_PORT"] && http !== undefined ? { httpPort: http.port } : {}), ...(env["WFX_GRPC_PORT"] && grpc !== undefined ? { grpcPort: grpc.port } : {}) };
}

/** The profile's NATS section as cluster options; undefined for a profile that runs alone. */
export function clusterOptionsOfProfile(profile: NodeProfile): (Partial<ClusterOptions> & Pick<ClusterOptions, "servers">) | undefined {
  const nats = profile.nats;
  if (nats === undefined) return undefined;
  return {
    servers: nats.servers,
    nodeId: profile.id,
    tags: profile.tags,
    resources: profile.resources,
    stepCapacity: profile.capacity.steps,
    tagLimits: profile.limits,
    user: nats.user,
    password: nats.password,
    token: nats.token,
    credsFile: nats.creds_file,
    ...(nats.tls === undefined ? {} : { tls: { ...(nats.tls.ca ? { caFile: nats.tls.ca } : {}), ...(nats.tls.cert ? { certFile: nats.tls.cert } : {}), ...(nats.tls.key ? { keyFile: nats.tls.key } : {}) } }),
    heartbeatMs: profile.heartbeat.interval_ms,
    missedBeatsDown: profile.heartbeat.missed_beats_down,
    placementTimeoutMs: profile.placement_timeout_s * 1000,
  };
}
