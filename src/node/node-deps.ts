import type { ExecutionClient, LocalNodeRegistry, Membership, NodeRegistry, Runtime } from "../engine/internal.js";
import type { WorkflowGenerator } from "../generator/types.js";
import type { Logger, NodeTracing } from "../observability/index.js";

/** What a node is given beside its options; everything may be left out (a standalone node over its data dir). */
export interface NodeDeps {
  /** The cluster the node belongs to; none for a standalone node. */
  membership?: Membership;
  /** An engine to serve instead of opening one over the data dir; its owner closes it. */
  runtime?: Runtime;
  /** A client in front of the engine for the gateways (embedding, tests); a member node's is the cluster's. */
  client?: ExecutionClient;
  /** The registry list_nodes reads, over this node's own entry (embedding, tests); a member node's is the cluster's. */
  nodeRegistry?: (self: LocalNodeRegistry) => NodeRegistry;
  generator?: WorkflowGenerator;
  logger?: Logger;
  /**
   * Where audit entries go, used as given (its level included); by default a logger of the audit log's own, at info
   * whatever the node's log level, writing to --audit-log FILE or else stderr.
   */
  auditLogger?: Logger;
  /** The process's tracing (startTracing): shut down last, so the spans of everything that stopped are exported. */
  tracing?: NodeTracing;
}
