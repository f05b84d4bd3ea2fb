import { connect, type NatsConnection } from "@nats-io/transport-node";
import { ClusterNodeRegistry } from "../../src/cluster/index.js";
import type { BeatMode } from "../../src/cluster/registry/beat-protocol.js";
import { LocalNodeRegistry } from "../../src/engine/index.js";
import { testWire } from "./cluster-key.js";
import { given } from "../../src/present.js";

/** A lightweight cluster member: the real registry over its own NATS connection, with no engine or gateway behind it. */
export interface RegistryMember {
  id: string;
  self: LocalNodeRegistry;
  registry: ClusterNodeRegistry;
  nc: NatsConnection;
  /** Leaves as a node does on shutdown (a last entry saying `down`). */
  close(): Promise<void>;
}

export interface MemberOptions {
  beats: BeatMode;
  heartbeatMs?: number;
  missedBeatsDown?: number;
  refreshMs?: number;
  tags?: string[];
  capacity?: number;
  /** Gateways the member says it serves (a real node's record carries them: most of its size). */
  gateways?: { kind: "mcp" | "http" | "grpc"; address: string }[];
  /** Delta beats: how many nodes hear each one's liveness beats. */
  watchers?: number;
  /** Reconnect after a break, waiting this long first (default: a member whose connection breaks stays off). */
  reconnectWaitMs?: number;
}

export async function startMember(url: string, id: string, options: MemberOptions): Promise<RegistryMember> {
  // A generous connect timeout: a benchmark joins hundreds of members on a busy machine.
  const nc = await connect({ servers: url, timeout: 60_000, ...(options.reconnectWaitMs === undefined ? { reconnect: false } : { reconnect: true, maxReconnectAttempts: -1, reconnectTimeWait: options.reconnectWaitMs }) });
  const connectedAt = Date.now() - 1;
  const self = new LocalNodeRegistry({ id, tags: options.tags ?? [], capacity: options.capacity ?? 8, version: "0.1.0", instance: `${id}-${connectedAt}` });
  if (options.gateways !== undefined) self.setGateways(options.gateways);
  const registry = new ClusterNodeRegistry(self, {
    heartbeatMs: options.heartbeatMs ?? 1000,
    missedBeatsDown: options.missedBeatsDown ?? 3,
    beats: options.beats,
    ...given({ refreshMs: options.refreshMs, watchers: options.watchers }),
    // Fixed: the member never notices a reconnect, so what it missed meanwhile reaches it only by the protocol's beats.
    connectedSinceMs: () => connectedAt,
  });
  registry.attach(testWire(nc));
  await registry.announce();
  return {
    id,
    self,
    registry,
    nc,
    async close() {
      await registry.close();
      await nc.close();
    },
  };
}
