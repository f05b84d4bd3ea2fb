import { processOwnerAlive, type ExecutionRecord, type NodeInfo, type OwnerAlive } from "../engine/internal.js";

export interface LivenessDeps {
  selfId: string;
  /** This process's incarnation: a record of this node with another one is a dead predecessor's. */
  instance: string;
  /** The node as the registry sees it now; undefined when it has no record of it. */
  nodeOf: (id: string) => NodeInfo | undefined;
  /** Epoch ms from which the registry has heard every live node at least once (joined + the down-detection time). */
  settledAtMs: () => number | undefined;
}

/**
 * Whether an execution's owner lives, in a cluster: this node's own by incarnation (or pid, for records without one);
 * another node's by the registry: up or draining, and the same incarnation. Until the registry has heard every node
 * once, every other node counts as alive, so a node that just joined adopts nothing that still runs.
 */
export function clusterOwnerAlive(deps: LivenessDeps, now: () => number = Date.now): OwnerAlive {
  return (record: ExecutionRecord) => {
    const instance = record.resume?.owner_instance;
    if (record.node === deps.selfId) return instance === undefined ? processOwnerAlive(record) : instance === deps.instance;
    const settled = deps.settledAtMs();
    if (settled === undefined || now() < settled) return true;
    const node = deps.nodeOf(record.node);
    if (node === undefined || node.status === "down") return false;
    return instance === undefined || node.instance === undefined || node.instance === instance;
  };
}
