import type { ExecutionRecord } from "./types.js";

/**
 * Where an execution runs, seen from this process: its supervisor here, an isolated child of this process, another
 * process sharing the store (on this machine's data dir), another node of the cluster (`node` undefined while it is
 * still being placed from here); or nothing runs it: it ended, its owner died, or nobody knows the id.
 */
export type ExecutionLocation =
  | { where: "here" }
  | { where: "isolated" }
  | { where: "process"; record: ExecutionRecord }
  | { where: "node"; node: string | undefined; record?: ExecutionRecord }
  | { where: "orphaned"; record: ExecutionRecord }
  | { where: "ended"; record: ExecutionRecord }
  | { where: "unknown" };

/**
 * The one answer to "where does this execution run?", which status, cancel, watch and drain ask. The engine's answers
 * for this process and the processes sharing its store; a cluster's adds the nodes.
 */
export interface ExecutionLocator {
  /** What this process knows without reading the store (here, isolated, being placed from here); undefined: ask the store. */
  knownHere(executionId: string): ExecutionLocation | undefined;
  /** Where the execution of a stored record runs, given that this process does not run it. */
  locateStored(record: ExecutionRecord): ExecutionLocation;
  /** Both: this process first, then the stored record (read with its resume spec, which names the owner's incarnation). */
  locate(executionId: string): Promise<ExecutionLocation>;
}

/** Runs in another process or on another node: what a watcher follows by re-reading the store. */
export function runsElsewhere(location: ExecutionLocation): boolean {
  return location.where === "process" || location.where === "node";
}
