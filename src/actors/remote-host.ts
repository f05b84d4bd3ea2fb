import type { ActorCell } from "./actor-cell.js";
import { systemIdOf } from "./address.js";
import { ActorStoppedError, InvalidActorOptionError } from "./errors.js";
import type { KernelHost } from "./kernel-host.js";
import { RemoteRef } from "./refs.js";
import { RemoteParentCell } from "./remote-parent.js";
import { remoteParentAddress } from "./remote-spawn.js";
import { decodeError, decodeSpawnOptions, encodeError, parseSystemMessage, type SystemMessage } from "./system-messages.js";
import type { Address } from "./types.js";

/**
 * This system's side of the kernel protocol: it hosts children other systems spawn here, tells their watchers
 * when local actors end, and turns what other systems report about their actors into signals for local cells.
 */
export class RemoteHost {
  /** Real parent address (of another system) -> the cell standing in for it here. */
  private readonly standIns = new Map<Address, RemoteParentCell>();
  /** Local actor address -> addresses of its watchers on other systems. */
  private readonly watchers = new Map<Address, Set<Address>>();

  constructor(
    private readonly host: KernelHost,
    private readonly guardian: ActorCell,
    private readonly cellAt: (address: Address) => ActorCell | undefined,
  ) {}

  /** A message that arrived at this system's endpoint; false when it is not a kernel message. */
  receive(value: unknown): boolean {
    const message = parseSystemMessage(value);
    if (message === undefined) return false;
    switch (message.t) {
      case "spawn":
        this.spawn(message);
        break;
      case "stop":
        this.cellAt(message.target)?.requestStop();
        break;
      case "watch":
        this.watch(message.target, message.watcher);
        break;
      case "unwatch":
        this.unwatch(message.target, message.watcher);
        break;
      case "terminated":
        this.linksOf(message.to)?.ended(message.target, message.uid, message.error === undefined ? undefined : decodeError(message.error));
        break;
      case "restarting":
        this.linksOf(message.to)?.restarting(message.target, message.uid, decodeError(message.error), message.attempt, message.delayMs);
        break;
      case "escalated":
        this.linksOf(message.to)?.escalated(message.target, message.uid, decodeError(message.error));
        break;
    }
    return true;
  }

  /** A local actor ended: its watchers elsewhere are told, with the error when it failed. */
  ended(address: Address, failed: boolean, error: unknown): void {
    if (this.watchers.size === 0) return;
    const watchers = this.watchers.get(address);
    if (watchers === undefined) return;
    this.watchers.delete(address);
    const wire = failed ? { error: encodeError(error) } : {};
    for (const watcher of watchers) this.host.sendSystem(systemIdOf(watcher)!, { t: "terminated", target: address, to: watcher, ...wire });
  }

  /** `systemId` is down: the children it spawned here are stopped, its watches here forgotten. */
  systemDown(systemId: string): void {
    for (const [address, watchers] of this.watchers) {
      for (const watcher of watchers) if (systemIdOf(watcher) === systemId) watchers.delete(watcher);
      if (watchers.size === 0) this.watchers.delete(address);
    }
    for (const standIn of [...this.standIns.values()]) if (systemIdOf(standIn.parentAddress) === systemId) standIn.abandon();
  }

  private spawn(message: Extract<SystemMessage, { t: "spawn" }>): void {
    const { parent, child, uid } = message;
    const parentSystem = systemIdOf(parent);
    if (parentSystem === undefined || parentSystem === this.host.system.id) return; // not from another system: ignore
    try {
      if (this.host.terminating) throw new ActorStoppedError(child);
      const base = remoteParentAddress(this.host.system.id, parent);
      if (!child.startsWith(base + "/") || child.includes("/", base.length + 1)) {
        throw new InvalidActorOptionError(`invalid remote child address ${child}`, `spawn under ${base}/`);
      }
      const { supervision, mailboxCapacity } = decodeSpawnOptions(message.options);
      const logic = this.host.buildKind(message.kind, message.spec);
      this.standInFor(parent, base).spawnFor(child, uid, logic, supervision, mailboxCapacity);
    } catch (error) {
      this.host.sendSystem(parentSystem, { t: "terminated", target: child, to: parent, uid, error: encodeError(error) });
    }
  }

  private standInFor(parent: Address, address: Address): RemoteParentCell {
    let standIn = this.standIns.get(parent);
    if (standIn === undefined) {
      const forget = (cell: RemoteParentCell): void => void (this.standIns.get(parent) === cell && this.standIns.delete(parent));
      standIn = new RemoteParentCell(this.host, address, this.guardian, new RemoteRef(this.host, parent), forget);
      this.standIns.set(parent, standIn);
      this.guardian.attachChild(standIn);
    }
    return standIn;
  }

  private watch(target: Address, watcher: Address): void {
    const watcherSystem = systemIdOf(watcher);
    if (watcherSystem === undefined) return;
    if (this.cellAt(target) === undefined) {
      this.host.sendSystem(watcherSystem, { t: "terminated", target, to: watcher }); // gone already
      return;
    }
    let watchers = this.watchers.get(target);
    if (watchers === undefined) this.watchers.set(target, (watchers = new Set()));
    watchers.add(watcher);
  }

  private unwatch(target: Address, watcher: Address): void {
    const watchers = this.watchers.get(target);
    if (watchers?.delete(watcher) && watchers.size === 0) this.watchers.delete(target);
  }

  private linksOf(address: Address) {
    return this.cellAt(address)?.links;
  }
}
