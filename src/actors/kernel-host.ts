import type { Delivery } from "./delivery.js";
import type { Scheduler } from "./scheduler.js";
import type { SystemMessage } from "./system-messages.js";
import type { ActorLogic, ActorRef, Address, Clock, DeadLetter, LocalActorSystem, Signal, SpawnOptions, Transport } from "./types.js";

/**
 * A running actor as the kernel's other parts see it (refs, links, contexts, remote spawn, the system); `ActorCell`
 * is the one implementation, and only the system and remote parents make cells, so nothing else imports it.
 */
export interface Cell<M = any> {
  readonly address: Address;
  readonly ref: ActorRef<M>;
  /** What children see as `ctx.parent`: this actor, or nothing under the guardian. */
  readonly parentRef: ActorRef | undefined;
  readonly parent: Cell | undefined;
  readonly host: KernelHost;
  readonly isRunning: boolean;
  /** This incarnation's ties to other actors, if it made any. */
  readonly links: CellLinks | undefined;
  linked(): CellLinks;
  enqueue(message: unknown): Delivery;
  /** Queues a result of async work started by incarnation `owner`; dropped if that incarnation is gone by then. */
  enqueueFor(owner: object, message: M): void;
  enqueueSignal(signal: Signal): void;
  spawnChild<C>(logic: ActorLogic<any, C>, options: SpawnOptions | undefined): ActorRef<C>;
  requestStop(): void;
  handleFailure(error: unknown): void;
  addWatcher(watcher: Cell): boolean;
  removeWatcher(watcher: Cell): void;
}

/** One incarnation's ties to actors it watches and to children it spawned on other systems (`Links`). */
export interface CellLinks {
  watch(ref: ActorRef): void;
  unwatch(ref: ActorRef): void;
  /** A local actor this one watched has ended (and signalled it). */
  forget(target: Cell): void;
  hasChild(address: Address): boolean;
  addChild(ref: ActorRef, uid: string): void;
  ended(target: Address, uid: string | undefined, error: unknown): void;
  restarting(target: Address, uid: string, error: unknown, attempt: number, delayMs: number): void;
  escalated(target: Address, uid: string, error: unknown): void;
  lost(systemId: string, errorFor: (address: Address) => unknown): void;
  end(): void;
}

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
  register(cell: Cell): void;
  /** The cell has ended (`failed` with `error`): its address is free and its watchers on other systems are told. */
  unregister(cell: Cell, failed: boolean, error: unknown): void;
  transportFor(systemId: string): Transport | undefined;
  /** Cells with ties to actors of other systems (remote children, remote watches), for `nodeDown`. */
  readonly linkedCells: Set<Cell>;
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
