import type { GatewayEndpoint, NodeEvent, NodeInfo, NodeRegistry } from "./node-registry.js";
import { given } from "../present.js";

const HISTORY = 256;

/** The registry of a node that is not in a cluster: itself, with its load updated as executions start and end. */
export class LocalNodeRegistry implements NodeRegistry {
  #node: NodeInfo;
  #seq = 0;
  readonly #history: NodeEvent[] = [];
  readonly #listeners = new Set<(event: NodeEvent) => void>();

  constructor(init: { id: string; tags: readonly string[]; capacity: number; version: string; instance?: string }) {
    this.#node = { id: init.id, tags: [...init.tags], capacity: init.capacity, load: 0, gateways: [], version: init.version, started_at: Date.now() / 1000, status: "up", ...given({ instance: init.instance }) };
    this.#emit("node.up");
  }

  self(): NodeInfo {
    return this.#node;
  }

  async list(): Promise<NodeInfo[]> {
    return [this.#node];
  }

  setGateways(gateways: GatewayEndpoint[]): void {
    this.#update({ gateways });
  }

  setLoad(load: number): void {
    if (load !== this.#node.load) this.#update({ load });
  }

  setStatus(status: NodeInfo["status"]): void {
    if (status !== this.#node.status) this.#update({ status }, status === "down" ? "node.down" : "node.updated");
  }

  watch(afterSeq: number, listener: (event: NodeEvent) => void): () => void {
    const oldest = this.#history[0]?.seq ?? this.#seq + 1;
    if (afterSeq > 0 && afterSeq >= oldest - 1 && afterSeq <= this.#seq) {
      for (const event of this.#history) if (event.seq > afterSeq) listener(event);
    } else {
      listener({ seq: this.#seq, type: "node.up", node: this.#node, time: Date.now() });
    }
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  #update(change: Partial<NodeInfo>, type: NodeEvent["type"] = "node.updated"): void {
    this.#node = { ...this.#node, ...change };
    this.#emit(type);
  }

  #emit(type: NodeEvent["type"]): void {
    const event: NodeEvent = { seq: ++this.#seq, type, node: this.#node, time: Date.now() };
    this.#history.push(event);
    if (this.#history.length > HISTORY) this.#history.shift();
    for (const listener of this.#listeners) listener(event);
  }
}
