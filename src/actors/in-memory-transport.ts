import type { ActorSystem, Address, Transport } from "./types.js";

/**
 * Carries messages to another system in this process. Each message is structured-cloned and delivered on a later
 * microtask, so nothing is shared by reference: tests using it prove an actor works the same across a real boundary.
 */
export class InMemoryTransport implements Transport {
  constructor(private readonly target: Pick<ActorSystem, "deliver">) {}

  send(address: Address, message: unknown): void {
    const copy = structuredClone(message);
    queueMicrotask(() => this.target.deliver(address, copy));
  }
}

/** Registers an InMemoryTransport in each direction between `a` and `b`. */
export function connectInMemory(a: ActorSystem, b: ActorSystem): void {
  a.registerTransport(b.id, new InMemoryTransport(b));
  b.registerTransport(a.id, new InMemoryTransport(a));
}
