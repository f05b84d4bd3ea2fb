import { systemIdOf } from "./address.js";
import { NoRouteError } from "./errors.js";
import type { Cell, CellLinks, KernelHost } from "./kernel-host.js";
import { DeadRef, LocalRef, RemoteRef } from "./refs.js";
import type { ActorRef, Address, Signal } from "./types.js";

/** A child spawned on another system: the ref its parent holds (signals carry that very object) and its spawn id. */
interface RemoteChild {
  readonly ref: ActorRef;
  readonly uid: string;
}

function terminated(ref: ActorRef, error: unknown): Signal {
  return error === undefined ? { type: "terminated", ref } : { type: "terminated", ref, error };
}

/**
 * One incarnation's ties to other actors: those it watches, here or on other systems, and the children it spawned
 * on other systems. Ends over there arrive as kernel messages and become the signals a local end gives.
 */
export class Links implements CellLinks {
  private local: Set<Cell> | undefined = undefined;
  private readonly children = new Map<Address, RemoteChild>();
  private readonly watching = new Map<Address, ActorRef>();

  constructor(private readonly cell: Cell) {}

  watch(ref: ActorRef): void {
    const cell = this.cell;
    if (ref instanceof LocalRef) {
      const target: Cell = ref.cell;
      if (target === cell || target.parent === cell) return; // children are always watched
      if (!target.addWatcher(cell)) return cell.enqueueSignal(terminated(target.ref, undefined));
      (this.local ??= new Set()).add(target);
    } else if (ref instanceof RemoteRef) {
      const target = ref.address;
      if (this.children.has(target) || this.watching.has(target)) return;
      this.tie().watching.set(target, ref);
      if (cell.host.sendSystem(systemIdOf(target)!, { t: "watch", target, watcher: cell.address })) return;
      this.watching.delete(target);
      cell.enqueueSignal(terminated(ref, new NoRouteError(target)));
    } else if (ref instanceof DeadRef) {
      cell.enqueueSignal(terminated(ref, ref.reason === "no_route" ? new NoRouteError(ref.address) : undefined));
    } // else an ask's reply ref, or a ref made outside the kernel: nothing to watch
  }

  unwatch(ref: ActorRef): void {
    if (ref instanceof LocalRef) {
      ref.cell.removeWatcher(this.cell);
      this.local?.delete(ref.cell);
    } else if (this.watching.delete(ref.address)) {
      this.cell.host.sendSystem(systemIdOf(ref.address)!, { t: "unwatch", target: ref.address, watcher: this.cell.address });
    }
  }

  /** A local actor this one watched has ended (and signalled it). */
  forget(target: Cell): void {
    this.local?.delete(target);
  }

  hasChild(address: Address): boolean {
    return this.children.has(address);
  }

  addChild(ref: ActorRef, uid: string): void {
    this.tie().children.set(ref.address, { ref, uid });
  }

  /** `target` ended; `uid` is set when the message is about a child (an older child of that name is not this one). */
  ended(target: Address, uid: string | undefined, error: unknown): void {
    let ref: ActorRef | undefined;
    if (uid !== undefined) {
      const child = this.children.get(target);
      if (child?.uid !== uid) return;
      this.children.delete(target);
      ref = child.ref;
    } else {
      ref = this.watching.get(target);
      if (ref === undefined) return;
      this.watching.delete(target);
    }
    this.cell.enqueueSignal(terminated(ref, error));
  }

  restarting(target: Address, uid: string, error: unknown, attempt: number, delayMs: number): void {
    const child = this.children.get(target);
    if (child?.uid === uid) this.cell.enqueueSignal({ type: "child_restarting", ref: child.ref, error, attempt, delayMs });
  }

  /** A child with the escalate policy failed over there: it is gone, and this actor fails in its place. */
  escalated(target: Address, uid: string, error: unknown): void {
    if (this.children.get(target)?.uid !== uid) return;
    this.children.delete(target);
    this.cell.handleFailure(error);
  }

  /** Everything tied to `systemId` ended with the error `errorFor` gives (the route is gone, or the system is down). */
  lost(systemId: string, errorFor: (address: Address) => unknown): void {
    const lost: ActorRef[] = [];
    for (const [address, child] of this.children) if (systemIdOf(address) === systemId && this.children.delete(address)) lost.push(child.ref);
    for (const [address, ref] of this.watching) if (systemIdOf(address) === systemId && this.watching.delete(address)) lost.push(ref);
    for (const ref of lost) this.cell.enqueueSignal(terminated(ref, errorFor(ref.address)));
  }

  /** The incarnation ended: its watches are dropped and its children elsewhere stopped, as local ones are. */
  end(): void {
    const { cell, local } = this;
    if (local !== undefined) for (const target of local) target.removeWatcher(cell);
    const host = cell.host;
    host.linkedCells.delete(cell);
    for (const target of this.children.keys()) host.sendSystem(systemIdOf(target)!, { t: "stop", target });
    for (const target of this.watching.keys()) host.sendSystem(systemIdOf(target)!, { t: "unwatch", target, watcher: cell.address });
  }

  /** Marks the cell as tied to other systems, so `nodeDown` and `removeTransport` find it. */
  private tie(): this {
    this.cell.host.linkedCells.add(this.cell);
    return this;
  }
}

/** `ctx.stop` / `system.stop` of an actor of another system: a stop message to its system. */
export function stopElsewhere(host: KernelHost, ref: ActorRef): void {
  if (ref instanceof RemoteRef) host.sendSystem(systemIdOf(ref.address)!, { t: "stop", target: ref.address });
}
