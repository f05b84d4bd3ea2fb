/** What `list_nodes` / `WatchNodes` show; a single node lists itself, a cluster implements the same interface over NATS. */

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
