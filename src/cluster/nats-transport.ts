import { deserialize, serialize } from "node:v8";
import type { Subscription } from "@nats-io/transport-node";
import type { ActorSystem, Address, Transport } from "../actors/index.js";
import { actorSubject } from "./subjects.js";
import type { ClusterWire } from "./trust/cluster-wire.js";

interface Envelope {
  address: Address;
  message: unknown;
}

/** A NATS message holding several envelopes starts with this byte, then each as a 4-byte length and its bytes; v8's format starts with 0xFF. */
const BATCH_MARK = 0;

/** The envelopes (each already serialized) framed into one message: no second serialization of what is already bytes. */
function frame(parts: readonly Uint8Array[]): Uint8Array {
  const out = Buffer.allocUnsafe(1 + parts.reduce((sum, p) => sum + 4 + p.length, 0));
  out[0] = BATCH_MARK;
  let at = 1;
  for (const part of parts) {
    out.writeUInt32BE(part.length, at);
    out.set(part, at + 4);
    at += 4 + part.length;
  }
  return out;
}

/** The envelopes a message carries, one or framed several. */
function unframe(data: Uint8Array): Envelope[] {
  if (data[0] !== BATCH_MARK) return [deserialize(data) as Envelope];
  const bytes = Buffer.from(data.buffer, data.byteOffset, data.byteLength);
  const envelopes: Envelope[] = [];
  for (let at = 1; at < bytes.length; ) {
    const length = bytes.readUInt32BE(at);
    envelopes.push(deserialize(bytes.subarray(at + 4, at + 4 + length)) as Envelope);
    at += 4 + length;
  }
  return envelopes;
}

/** Messages up to this size wait for the end of the turn to go with others; a batch of them stays far below max_payload. */
const BATCHED_BYTES = 16 * 1024;
/** At most this many messages in one batch: 16 KiB each stays under NATS's default 1 MiB max_payload. */
const MAX_BATCH = 48;

/**
 * Carries actor messages to another system over NATS, in v8's structured-clone format (errors and nested data cross
 * as they do between processes over IPC). What is sent to the system in one turn (a step's output and its end, say)
 * goes as one NATS message, published at the end of the turn: fewer writes and wake-ups on both sides. NATS keeps the
 * order of one publisher's messages on one subject, and a batch keeps its own order, which remote spawn relies on.
 */
export class NatsTransport implements Transport {
  #queued: Uint8Array[] = [];

  constructor(
    readonly wire: ClusterWire,
    readonly systemId: string,
  ) {}

  send(address: Address, message: unknown): boolean {
    if (this.wire.nc.isClosed()) return false;
    // Serialized now, so a message that cannot travel (a closure in it) throws to its sender.
    const bytes = serialize({ address, message } satisfies Envelope);
    if (bytes.length > BATCHED_BYTES) {
      // A large one goes at once, after what was queued before it, so the server's refusal (over max_payload) throws here.
      this.#flush();
      this.wire.publish(actorSubject(this.systemId), bytes, SEALED);
      return true;
    }
    const queued = this.#queued.push(bytes);
    if (queued === 1) queueMicrotask(() => this.#flush());
    else if (queued >= MAX_BATCH) this.#flush();
    return true;
  }

  #flush(): void {
    const queued = this.#queued;
    if (queued.length === 0) return;
    this.#queued = [];
    if (this.wire.nc.isClosed()) return;
    this.wire.publish(actorSubject(this.systemId), queued.length === 1 ? queued[0]! : frame(queued), SEALED);
  }
}

/** Actor messages carry step inputs and outputs: tenant data, encrypted as well as signed. */
const SEALED = { encrypt: true } as const;

/** Delivers what other systems publish to this one into it, once the wire has checked it; the returned subscription ends it. */
export function receiveActorMessages(wire: ClusterWire, system: Pick<ActorSystem, "id" | "deliver">): Subscription {
  return wire.subscribe(actorSubject(system.id), (message) => {
    let envelopes: Envelope[];
    try {
      envelopes = unframe(message.body);
    } catch {
      return; // Authentic but not framed as this version frames: nothing to deliver.
    }
    for (const envelope of envelopes) system.deliver(envelope.address, envelope.message);
  });
}
