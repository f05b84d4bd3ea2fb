import type { Subscription } from "@nats-io/transport-node";
import type { ActorSystem } from "../actors/index.js";
import type { NodeEvent, NodeRegistry } from "../engine/internal.js";
import { NatsTransport, receiveActorMessages } from "./nats-transport.js";
import type { ClusterWire } from "./trust/cluster-wire.js";

/**
 * Keeps an actor system linked to every live node's system over NATS: a route to each node that is up, and for a
 * node that goes down, `nodeDown`, so whoever watched or parented an actor there hears it ended. A node's system id
 * is its node id.
 */
export class ActorLinks {
  readonly #system: ActorSystem;
  readonly #wire: ClusterWire;
  readonly #inbox: Subscription;
  readonly #linked = new Set<string>();
  readonly #stop: () => void;

  constructor(system: ActorSystem, wire: ClusterWire, registry: NodeRegistry) {
    this.#system = system;
    this.#wire = wire;
    this.#inbox = receiveActorMessages(wire, system);
    this.#stop = registry.watch(0, (event) => this.#onNode(event));
  }

  #onNode(event: NodeEvent): void {
    const id = event.node.id;
    if (id === this.#system.id) return;
    if (event.node.status !== "down") {
      if (this.#linked.has(id)) return;
      this.#linked.add(id);
      this.#system.registerTransport(id, new NatsTransport(this.#wire, id));
    } else if (this.#linked.delete(id)) {
      this.#system.nodeDown(id);
    }
  }

  close(): void {
    this.#stop();
    this.#inbox.unsubscribe();
    for (const id of this.#linked) this.#system.removeTransport(id);
    this.#linked.clear();
  }
}
