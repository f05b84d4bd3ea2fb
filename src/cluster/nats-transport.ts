import type { Subscription } from "@nats-io/transport-node";
import type { ActorSystem, Address, Transport } from "../actors/index.js";
import { encodeEnvelope, frameEnvelopes, unframeEnvelopes, type ActorEnvelope } from "./codec.js";
import { actorSubject } from "./subjects.js";
import type { ClusterWire } from "./trust/cluster-wire.js";

/** Messages up to this size wait for the end of the event loop's turn to go with others; a batch of them stays far below max_payload. */
const BATCHED_BYTES = 16 * 1024;
/** At most this many messages in one batch: 16 KiB each stays under NATS's default 1 MiB max_payload. */
const MAX_BATCH = 48;

/** Actor messages carry step inputs and outputs: tenant data, encrypted as well as signed. */
const SEALED = { encrypt: true } as const;

/**
 * Carries actor messages to another system over NATS, encoded by the codec. What is sent to the system in one turn of
 * the event loop (a placed step's start, output and end, each a scheduler round or a promise apart) goes as one NATS
 * message, published at the end of the turn: one write and one wake-up on each side. NATS keeps the order of one
 * publisher's messages on one subject, and a batch keeps its own order, which remote spawn relies on.
 */
export class NatsTransport implements Transport {
  #queued: Uint8Array[] = [];
  readonly #flushLater = (): void => this.#flush();

  constructor(
    readonly wire: ClusterWire,
    readonly systemId: string,
  ) {}

  send(address: Address, message: unknown): boolean {
    if (this.wire.nc.isClosed()) return false;
    // Encoded now, so a message that cannot travel (a closure in it) throws to its sender.
    const bytes = encodeEnvelope({ address, message } satisfies ActorEnvelope);
    if (bytes.length > BATCHED_BYTES) {
      // A large one goes at once, after what was queued before it, so the server's refusal (over max_payload) throws here.
      this.#flush();
      this.wire.publish(actorSubject(this.systemId), bytes, SEALED);
      return true;
    }
    const queued = this.#queued.push(bytes);
    if (queued === 1) this.wire.turnEnd.later(this.#flushLater);
    else if (queued >= MAX_BATCH) this.#flush();
    return true;
  }

  #flush(): void {
    const queued = this.#queued;
    if (queued.length === 0) return;
    this.#queued = [];
    if (this.wire.nc.isClosed()) return;
    this.wire.publish(actorSubject(this.systemId), frameEnvelopes(queued), SEALED);
  }
}

/**
 * Delivers what other systems publish to this one into it, once the wire has checked it; the returned subscription
 * ends it. An authentic message this version cannot decode is dropped with a log line (rate-limited).
 */
export function receiveActorMessages(wire: ClusterWire, system: Pick<ActorSystem, "id" | "deliver">): Subscription {
  return wire.subscribe(actorSubject(system.id), (message) => {
    let envelopes: ActorEnvelope[];
    try {
      envelopes = unframeEnvelopes(message.body);
    } catch (error) {
      return wire.rejections.undecodable(message.subject, error);
    }
    for (const envelope of envelopes) system.deliver(envelope.address, envelope.message);
  });
}
