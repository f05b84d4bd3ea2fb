import type { ActorCell } from "./actor-cell.js";
import type { Scheduler } from "./scheduler.js";
import type { ActorRef, Address, Clock, DeadLetter, LocalActorSystem, Transport } from "./types.js";

/** An ask waiting for its reply; `terminate` fails those still waiting. */
export interface PendingAsk extends ActorRef {
  fail(error: unknown): void;
}

/** What cells and refs need from their system; the system implements it, so nothing imports the system itself. */
export interface KernelHost {
  readonly system: LocalActorSystem;
  readonly clock: Clock;
  readonly random: () => number;
  readonly scheduler: Scheduler;
  readonly defaultMailboxCapacity: number;
  readonly terminating: boolean;
  /** A fresh generated child name (`$` + counter); never clashes with user names. */
  nextName(): string;
  isTaken(address: Address): boolean;
  register(cell: ActorCell): void;
  unregister(cell: ActorCell): void;
  transportFor(systemId: string): Transport | undefined;
  /** Address for an ask's reply ref, made only when someone reads it (e.g. to send it to another system). */
  nextAskAddress(): Address;
  registerAsk(address: Address, ref: ActorRef): void;
  addPendingAsk(ref: PendingAsk): void;
  askSettled(ref: PendingAsk, address: Address | undefined): void;
  deadLetter(address: Address, message: unknown, reason: DeadLetter["reason"]): void;
  reportError(error: unknown, address: Address): void;
}
