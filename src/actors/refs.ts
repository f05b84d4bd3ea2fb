import { systemIdOf } from "./address.js";
import { DELIVERED, TARGET_NO_ROUTE, TARGET_STOPPED, type Delivery } from "./delivery.js";
import type { Cell, KernelHost } from "./kernel-host.js";
import { encodeRefs, REF_KEY } from "./ref-codec.js";
import type { ActorRef, Address, DeadLetter } from "./types.js";


/** Method of every kernel ref: `tell` that reports what happened. */
export const SEND = Symbol("wfx.send");

export interface KernelRef<M = unknown> extends ActorRef<M> {
  [SEND](message: unknown): Delivery;
}

export function isKernelRef(ref: ActorRef<any>): ref is KernelRef {
  return SEND in ref;
}

/** A local actor: holds its cell directly, so a tell is a push onto its mailbox with no lookup. */
export class LocalRef<M = unknown> implements KernelRef<M> {
  readonly address: Address;

  constructor(readonly cell: Cell<M>) {
    this.address = cell.address;
  }

  tell(message: M): void {
    this.cell.enqueue(message);
  }

  [SEND](message: unknown): Delivery {
    return this.cell.enqueue(message);
  }

  toString(): string {
    return this.address;
  }

  toJSON(): unknown {
    return { [REF_KEY]: this.address };
  }
}

/**
 * Hands `message`, its refs encoded, to the transport registered now for `address`'s system. False when there is
 * none, when it refuses (returns false: its link is closed) or throws (reported: a send never throws).
 */
export function transmit(host: KernelHost, address: Address, message: unknown): boolean {
  const systemId = systemIdOf(address);
  const transport = systemId === undefined ? undefined : host.transportFor(systemId);
  if (transport === undefined) return false;
  try {
    return transport.send(address, encodeRefs(message)) !== false;
  } catch (error) {
    host.reportError(error, address); // e.g. a message that cannot be serialised
    return false;
  }
}

/** An actor of another system: refs inside messages are encoded, then the transport registered now carries it. */
export class RemoteRef<M = unknown> implements KernelRef<M> {
  constructor(
    private readonly host: KernelHost,
    readonly address: Address,
  ) {}

  tell(message: M): void {
    this[SEND](message);
  }

  [SEND](message: unknown): Delivery {
    if (transmit(this.host, this.address, message)) return DELIVERED;
    this.host.deadLetter(this.address, message, "no_route");
    return TARGET_NO_ROUTE;
  }

  toString(): string {
    return this.address;
  }

  toJSON(): unknown {
    return { [REF_KEY]: this.address };
  }
}

/** Nothing lives there: every message goes to dead letters with `reason`. */
export class DeadRef<M = unknown> implements KernelRef<M> {
  constructor(
    private readonly host: KernelHost,
    readonly address: Address,
    readonly reason: DeadLetter["reason"],
  ) {}

  tell(message: M): void {
    this[SEND](message);
  }

  [SEND](message: unknown): Delivery {
    this.host.deadLetter(this.address, message, this.reason);
    return this.reason === "no_route" ? TARGET_NO_ROUTE : TARGET_STOPPED;
  }

  toString(): string {
    return this.address;
  }

  toJSON(): unknown {
    return { [REF_KEY]: this.address };
  }
}
