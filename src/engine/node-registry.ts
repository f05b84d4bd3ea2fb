/**
 * What `list_nodes` / `WatchNodes` show; a single node lists itself (LocalNodeRegistry), a cluster implements the same
 * interface over NATS. Here in the engine so the cluster layer implements it without importing the gateway.
 * Load (`NodeInfo.load`) is the node's Admission count (admission.ts).
 */

export interface GatewayEndpoint {
  kind: "mcp" | "http" | "grpc";
  /** `http://host:port/mcp`, `host:port` for gRPC. */
  address: string;
}

export interface NodeInfo {
  id: string;
  tags: string[];
  /** Executions the node runs at once at most. */
  capacity: number;
  /** Executions running now. */
  load: number;
  gateways: GatewayEndpoint[];
  version: string;
  /** Epoch seconds. */
  started_at: number;
  status: "up" | "draining" | "down";
  /** The process's incarnation (a node restarted under the same id has a new one): whose executions it still owns. */
  instance?: string;
  /** Numeric resources (`gpu`, `memory_gb`): all the node has, and what the placed steps it runs have not reserved. */
  resources?: { total: Record<string, number>; free: Record<string, number> };
  /** Placed steps (those whose `placement:` chose this node) the node runs at once at most, and runs now. */
  steps?: { capacity: number; load: number };
  /** Set when the node joined with --insecure-cluster (no cluster key): shown by `wfx nodes` and the dashboard. */
  insecure?: boolean;
}

export interface NodeEvent {
  /** Per-registry sequence number, so a watcher can resume after the last one it saw. */
  seq: number;
  type: "node.up" | "node.updated" | "node.down";
  node: NodeInfo;
  /** Epoch milliseconds. */
  time: number;
}

export interface NodeRegistry {
  /** This process's node. */
  self(): NodeInfo;
  list(): Promise<NodeInfo[]>;
  /**
   * Calls `listener` for every change after `afterSeq`; when `afterSeq` is older than what the registry remembers
   * (or 0), it first replays the current nodes as `node.up` events. Returns the unsubscribe function.
   */
  watch(afterSeq: number, listener: (event: NodeEvent) => void): () => void;
}
