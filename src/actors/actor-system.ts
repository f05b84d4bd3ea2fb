import { ActorCell } from "./actor-cell.js";
import { ActorKinds } from "./actor-kinds.js";
import { rootAddress, systemIdOf } from "./address.js";
import { ask } from "./ask.js";
import { ActorStoppedError, ActorSystemDownError, InvalidActorOptionError, NoRouteError } from "./errors.js";
import type { KernelHost, PendingAsk } from "./kernel-host.js";
import { decodeRefs } from "./ref-codec.js";
import { DeadRef, LocalRef, RemoteRef, transmit } from "./refs.js";
import { RemoteHost } from "./remote-host.js";
import { stopElsewhere } from "./links.js";
import { Scheduler } from "./scheduler.js";
import { STOP_POLICY } from "./supervision.js";
import { systemEndpoint, type SystemMessage } from "./system-messages.js";
import { resolveActorSystemOptions, type ResolvedActorSystemOptions } from "./actor-system-options.js";
import type { ActorKindFactory, ActorLogic, ActorRef, ActorSystemOptions, Address, AskOptions, Clock, DeadLetter, LocalActorSystem, SpawnOptions, Transport } from "./types.js";

/** The internal root: parent of top-level actors, never started, never registered, deaf to signals. */
const GUARDIAN_LOGIC: ActorLogic<undefined, never> = { start: () => undefined, receive: (state) => state };

/** Creates a system; its top-level actors are children of an internal guardian at `wfx://<id>`. */
export function createActorSystem(options?: ActorSystemOptions): LocalActorSystem {
  return new ActorSystemImpl(resolveActorSystemOptions(options));
}

class ActorSystemImpl implements LocalActorSystem, KernelHost {
  readonly id: string;
  readonly clock: Clock;
  readonly random: () => number;
  readonly defaultMailboxCapacity: number;
  readonly scheduler = new Scheduler();
  readonly system: LocalActorSystem = this;
  terminating = false;
  private readonly options: ResolvedActorSystemOptions;
  private readonly root: Address;
  private readonly guardian: ActorCell;
  /** Address -> live actor, only for `deliver` and `refFor`: local refs point at their cell directly. */
  private readonly cells = new Map<Address, ActorCell>();
  /** Ask reply refs whose address was handed out, so replies from other systems find them. */
  private readonly askRefs = new Map<Address, ActorRef>();
  private readonly pendingAsks = new Set<PendingAsk>();
  private readonly transports = new Map<string, Transport>();
  readonly linkedCells = new Set<ActorCell>();
  private readonly kinds: ActorKinds;
  private readonly remote: RemoteHost;
  private readonly endpoint: Address;
  private nameSeq = 0;
  private askSeq = 0;
  private whenTerminated: Promise<void> | undefined = undefined;
  private resolveTerminated: (() => void) | undefined = undefined;

  constructor(options: ResolvedActorSystemOptions) {
    this.options = options;
    this.id = options.id;
    this.clock = options.clock;
    this.random = options.random;
    this.defaultMailboxCapacity = options.defaultMailboxCapacity;
    this.root = rootAddress(options.id);
    this.guardian = new ActorCell(this, GUARDIAN_LOGIC, this.root, undefined, STOP_POLICY, 1);
    this.kinds = new ActorKinds(options.id);
    this.remote = new RemoteHost(this, this.guardian, (address) => this.cells.get(address));
    this.endpoint = systemEndpoint(options.id);
  }

  get actorCount(): number {
    return this.cells.size;
  }

  get pendingAskCount(): number {
    return this.pendingAsks.size;
  }

  spawn<M>(logic: ActorLogic<any, M>, options?: SpawnOptions): ActorRef<M> {
    return this.guardian.spawnChild(logic, options);
  }

  stop(ref: ActorRef): void {
    if (ref instanceof LocalRef) ref.cell.requestStop();
    else stopElsewhere(this, ref);
  }

  ask<R, M = unknown>(ref: ActorRef<M>, build: (replyTo: ActorRef<R>) => M, options: AskOptions): Promise<R> {
    return ask(this, ref, build, options);
  }

  refFor<M = unknown>(address: Address): ActorRef<M> {
    const systemId = systemIdOf(address);
    if (systemId === undefined) return new DeadRef<M>(this, address, "no_route");
    if (systemId !== this.id) return new RemoteRef<M>(this, address); // routed at each send, so a later transport counts
    const local = this.cells.get(address)?.ref ?? this.askRefs.get(address);
    return (local as ActorRef<M> | undefined) ?? new DeadRef<M>(this, address, "stopped");
  }

  registerTransport(systemId: string, transport: Transport): void {
    if (systemId === this.id) throw new InvalidActorOptionError(`cannot route this system's own id ${systemId} through a transport`, "register transports for other systems' ids only");
    this.transports.set(systemId, transport);
  }

  removeTransport(systemId: string): void {
    this.dropRoute(systemId, (address) => new NoRouteError(address));
  }

  nodeDown(systemId: string): void {
    this.dropRoute(systemId, (address) => new ActorSystemDownError(address, systemId));
    this.remote.systemDown(systemId);
  }

  registerKind<Spec>(kind: string, factory: ActorKindFactory<Spec>): void {
    this.kinds.register(kind, factory);
  }

  deliver(address: Address, message: unknown): void {
    const decoded = decodeRefs(message, (a) => this.refFor(a));
    if (address === this.endpoint) {
      if (!this.remote.receive(decoded)) this.deadLetter(address, decoded, "stopped");
      return;
    }
    const target = this.cells.get(address)?.ref ?? this.askRefs.get(address);
    if (target !== undefined) target.tell(decoded);
    else this.deadLetter(address, decoded, systemIdOf(address) === this.id ? "stopped" : "no_route");
  }

  terminate(): Promise<void> {
    if (!this.terminating) {
      this.terminating = true;
      this.guardian.stopChildren();
      for (const pending of [...this.pendingAsks]) pending.fail(new ActorStoppedError(this.root));
    }
    if (this.cells.size === 0) return Promise.resolve();
    return (this.whenTerminated ??= new Promise((resolve) => (this.resolveTerminated = resolve)));
  }

  nextName(): string {
    return "$" + (++this.nameSeq).toString(36);
  }

  isTaken(address: Address): boolean {
    return this.cells.has(address);
  }

  register(cell: ActorCell): void {
    this.cells.set(cell.address, cell);
  }

  unregister(cell: ActorCell, failed: boolean, error: unknown): void {
    this.cells.delete(cell.address);
    this.remote.ended(cell.address, failed, error);
    if (this.resolveTerminated !== undefined && this.cells.size === 0) {
      this.resolveTerminated();
      this.resolveTerminated = undefined;
    }
  }

  transportFor(systemId: string): Transport | undefined {
    return this.transports.get(systemId);
  }

  sendSystem(systemId: string, message: SystemMessage): boolean {
    return transmit(this, systemEndpoint(systemId), message);
  }

  buildKind(kind: string, spec: unknown): ActorLogic<any, any> {
    return this.kinds.build(kind, spec);
  }

  /** No more word from `systemId`: whatever waits for some ends now, with `errorFor`'s error. */
  private dropRoute(systemId: string, errorFor: (address: Address) => unknown): void {
    if (systemId === this.id) throw new InvalidActorOptionError(`${systemId} is this system's own id`, "pass the id of another system");
    this.transports.delete(systemId);
    for (const cell of [...this.linkedCells]) cell.links?.lost(systemId, errorFor);
    for (const pending of [...this.pendingAsks]) if (systemIdOf(pending.target) === systemId) pending.fail(errorFor(pending.target));
  }

  nextAskAddress(): Address {
    return this.root + "/$ask/" + (++this.askSeq).toString(36);
  }

  registerAsk(address: Address, ref: ActorRef): void {
    this.askRefs.set(address, ref);
  }

  addPendingAsk(ref: PendingAsk): void {
    this.pendingAsks.add(ref);
  }

  askSettled(ref: PendingAsk, address: Address | undefined): void {
    this.pendingAsks.delete(ref);
    if (address !== undefined) this.askRefs.delete(address);
  }

  deadLetter(address: Address, message: unknown, reason: DeadLetter["reason"]): void {
    const onDeadLetter = this.options.onDeadLetter;
    if (onDeadLetter === undefined) return;
    try {
      onDeadLetter({ address, message, reason });
    } catch (error) {
      this.reportError(error, address);
    }
  }

  reportError(error: unknown, address: Address): void {
    try {
      this.options.onError?.(error, address);
    } catch {
      // the last resort must not throw into the kernel
    }
  }
}
