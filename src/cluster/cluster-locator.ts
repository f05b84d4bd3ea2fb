import type { ExecutionLocation, ExecutionLocator, ExecutionRecord, ExecutionStore } from "../engine/internal.js";
import type { PlacedExecution } from "./placed-execution.js";

/**
 * Where an execution runs, in a cluster: placed from here (on its node, or still waiting for one), else where this
 * node's engine finds it, a live owner on another node counting as that node.
 */
export class ClusterExecutionLocator implements ExecutionLocator {
  readonly #engine: ExecutionLocator;
  readonly #store: ExecutionStore;
  readonly #selfId: string;
  /** Executions placed from here that have not ended: pending ones exist only here until a node takes them. */
  readonly #placed = new Map<string, PlacedExecution>();

  constructor(engine: ExecutionLocator, store: ExecutionStore, selfId: string) {
    this.#engine = engine;
    this.#store = store;
    this.#selfId = selfId;
  }

  /** Knows a placed execution until it ends. */
  track(executionId: string, placed: PlacedExecution): void {
    this.#placed.set(executionId, placed);
    void placed.done.finally(() => this.#placed.delete(executionId));
  }

  placed(executionId: string): PlacedExecution | undefined {
    return this.#placed.get(executionId);
  }

  /** Every execution placed from here that has not ended. */
  allPlaced(): PlacedExecution[] {
    return [...this.#placed.values()];
  }

  knownHere(executionId: string): ExecutionLocation | undefined {
    const placed = this.#placed.get(executionId);
    if (placed !== undefined) return { where: "node", node: placed.node };
    return this.#engine.knownHere(executionId);
  }

  locateStored(record: ExecutionRecord): ExecutionLocation {
    const local = this.#engine.locateStored(record);
    return local.where === "process" && record.node !== this.#selfId ? { where: "node", node: record.node, record } : local;
  }

  async locate(executionId: string): Promise<ExecutionLocation> {
    const known = this.knownHere(executionId);
    if (known !== undefined) return known;
    const record = await this.#store.getRecord(executionId);
    return record === undefined ? { where: "unknown" } : this.locateStored(record);
  }
}
