import { deserialize, serialize } from "node:v8";
import type { NatsConnection, Subscription } from "@nats-io/transport-node";
import type { ActorSystem, Address, Transport } from "../actors/index.js";

/** The subject an actor system receives on: one per system, so messages to it keep the order they were sent in. */
export function actorSubject(systemId: string): string {
  return `wfx.actor.${systemId}`;
}

interface Envelope {
  address: Address;
  message: unknown;
}

/**
 * Carries actor messages to another system over NATS: one publish per message to the target system's subject, in
 * v8's structured-clone format (errors and nested data cross as they do between processes over IPC). NATS keeps the
 * order of one publisher's messages on one subject, which remote spawn relies on.
 */
export class NatsTransport implements Transport {
  constructor(
    readonly nc: NatsConnection,
    readonly systemId: string,
  ) {}

  send(address: Address, message: unknown): boolean {
    if (this.nc.isClosed()) return false;
    this.nc.publish(actorSubject(this.systemId), serialize({ address, message } satisfies Envelope));
    return true;
  }
}

/** Delivers what other systems publish to this one into it; the returned subscription ends it. */
export function receiveActorMessages(nc: NatsConnection, system: Pick<ActorSystem, "id" | "deliver">): Subscription {
  return nc.subscribe(actorSubject(system.id), {
    callback: (_err, msg) => {
      let envelope: Envelope;
      try {
        envelope = deserialize(msg.data) as Envelope;
      } catch {
        return; // Not ours, or garbled: nothing to deliver.
      }
      system.deliver(envelope.address, envelope.message);
    },
  });
}
