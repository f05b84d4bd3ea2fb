import { ActorCell } from "./actor-cell.js";
import { systemIdOf } from "./address.js";
import { ActorNameTakenError, ActorStoppedError } from "./errors.js";
import type { KernelHost } from "./kernel-host.js";
import { RemoteRef, type LocalRef } from "./refs.js";
import { resolveCapacity, resolveSupervision, STOP_POLICY } from "./supervision.js";
import { encodeError } from "./system-messages.js";
import type { ActorLogic, ActorRef, Address, Signal, SupervisionPolicy } from "./types.js";

function cellOf(self: ActorRef): RemoteParentCell {
  return (self as LocalRef).cell as RemoteParentCell;
}

/** Turns the signals a local parent would get into messages for the real one; ignores any message sent to it. */
const STAND_IN_LOGIC: ActorLogic<undefined, never> = {
  start: () => undefined,
  receive: (state) => state,
  onSignal: (state, signal, ctx) => (cellOf(ctx.self).forward(signal), state),
  stopped: (_state, ctx) => cellOf(ctx.self).orphaned(),
};

/**
 * Stands in, on the hosting system, for an actor of another system that spawned children here: a local parent
 * (under the guardian) so restarts, backoff and stops run here as for any child, while every signal goes back to
 * the real parent and the children's `ctx.parent` is the real parent. It stops when its last child has.
 */
export class RemoteParentCell extends ActorCell<undefined, never> {
  /** Child address -> uid of the spawn that made it, echoed back so the parent can tell it from a namesake. */
  private readonly uids = new Map<Address, string>();
  private readonly parentSystem: string;
  /** Set when the parent's system is down: nobody to tell any more. */
  private silent = false;

  constructor(
    host: KernelHost,
    address: Address,
    guardian: ActorCell,
    private readonly realParent: RemoteRef,
    private readonly onStopped: (cell: RemoteParentCell) => void,
  ) {
    super(host, STAND_IN_LOGIC, address, guardian, STOP_POLICY, Number.POSITIVE_INFINITY);
    this.parentSystem = systemIdOf(realParent.address)!;
  }

  get parentAddress(): Address {
    return this.realParent.address;
  }

  override parentRefForChildren(): ActorRef {
    return this.realParent;
  }

  /** Starts `logic` at `address` for the real parent; throws (to be sent back) when it cannot. */
  spawnFor(address: Address, uid: string, logic: ActorLogic<any, any>, supervision: SupervisionPolicy | undefined, mailboxCapacity: number | undefined): void {
    if (!this.isRunning) throw new ActorStoppedError(address);
    if (this.host.isTaken(address)) throw new ActorNameTakenError(address);
    const capacity = resolveCapacity(mailboxCapacity, this.host.defaultMailboxCapacity);
    const child = new ActorCell(this.host, logic, address, this, resolveSupervision(supervision), capacity);
    this.uids.set(address, uid);
    this.attachChild(child);
  }

  override childEscalated(child: ActorCell, error: unknown): void {
    const uid = this.release(child.address);
    if (uid !== undefined) this.send({ t: "escalated", target: child.address, to: this.realParent.address, uid, error: encodeError(error) });
  }

  forward(signal: Signal): void {
    const target = signal.ref.address;
    if (signal.type === "child_restarting") {
      const uid = this.uids.get(target);
      if (uid !== undefined) this.send({ t: "restarting", target, to: this.realParent.address, uid, error: encodeError(signal.error), attempt: signal.attempt, delayMs: signal.delayMs });
      return;
    }
    const uid = this.release(target);
    if (uid === undefined) return;
    const error = "error" in signal ? { error: encodeError(signal.error) } : {};
    this.send({ t: "terminated", target, to: this.realParent.address, uid, ...error });
  }

  /** The parent's system is down: stop the children quietly. */
  abandon(): void {
    this.silent = true;
    this.requestStop();
  }

  /** Stopped with children still running (system terminate, `abandon`): the parent hears they stopped. */
  orphaned(): void {
    for (const [target, uid] of this.uids) {
      this.send({ t: "terminated", target, to: this.realParent.address, uid, error: encodeError(new ActorStoppedError(target)) });
    }
    this.uids.clear();
    this.onStopped(this);
  }

  private release(address: Address): string | undefined {
    const uid = this.uids.get(address);
    if (uid === undefined) return undefined;
    this.uids.delete(address);
    if (this.uids.size === 0) this.requestStop();
    return uid;
  }

  private send(message: Parameters<KernelHost["sendSystem"]>[1]): void {
    if (!this.silent) this.host.sendSystem(this.parentSystem, message);
  }
}
