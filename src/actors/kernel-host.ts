import type { ActorCell } from "./actor-cell.js";
import type { Scheduler } from "./scheduler.js";
import type { SystemMessage } from "./system-messages.js";
import type { ActorLogic, ActorRef, Address, Clock, DeadLetter, LocalActorSystem, Transport } from "./types.js";

/** An ask waiting for its reply; `terminate` fails those still waiting, a dropped route those asking there. */
export interface PendingAsk extends ActorRef {
  readonly target: Address;
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
  /** The cell has ended (`failed` with `error`): its address is free and its watchers on other systems are told. */
  unregister(cell: ActorCell, failed: boolean, error: unknown): void;
  transportFor(systemId: string): Transport | undefined;
  /** Cells with ties to actors of other systems (remote children, remote watches), for `nodeDown`. */
  readonly linkedCells: Set<ActorCell>;
  /** Sends a kernel message to system `systemId`; false when it cannot go. */
  sendSystem(systemId: string, message: SystemMessage): boolean;
  /** The logic this system registered as `kind`, built from `spec`. */
  buildKind(kind: string, spec: unknown): ActorLogic<any, any>;
  /** Address for an ask's reply ref, made only when someone reads it (e.g. to send it to another system). */
  nextAskAddress(): Address;
  registerAsk(address: Address, ref: ActorRef): void;
  addPendingAsk(ref: PendingAsk): void;
  askSettled(ref: PendingAsk, address: Address | undefined): void;
  deadLetter(address: Address, message: unknown, reason: DeadLetter["reason"]): void;
  reportError(error: unknown, address: Address): void;
}
