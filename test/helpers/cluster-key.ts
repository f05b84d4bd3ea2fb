import type { NatsConnection } from "@nats-io/transport-node";
import { ClusterRejections, ClusterWire, resolveClusterTrust, sealFor, type ClusterTrust, type Seal } from "../../src/cluster/index.js";
import { silentLogger } from "../../src/observability/index.js";

/** The cluster key every test node and CLI run shares (a real key: 43 characters, as `wfx cluster-key` prints). */
export const TEST_CLUSTER_KEY = "test-cluster-key-0123456789abcdefghijklmnopq";

/** Environment a spawned node or CLI needs to join the tests' clusters. */
export const CLUSTER_KEY_ENV = Object.freeze({ WFX_CLUSTER_KEY: TEST_CLUSTER_KEY });

export function testTrust(): ClusterTrust {
  return resolveClusterTrust({ env: CLUSTER_KEY_ENV });
}

/** A wire over an in-process connection, sealed with the tests' key: what a node's parts use to speak to the others. */
export function testWire(nc: NatsConnection, seal: Seal = sealFor(testTrust())): ClusterWire {
  return new ClusterWire(nc, seal, new ClusterRejections(silentLogger()));
}
