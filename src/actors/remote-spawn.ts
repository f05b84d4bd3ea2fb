import { checkName, rootAddress } from "./address.js";
import { ActorNameTakenError, ActorStoppedError, NoRouteError } from "./errors.js";
import type { Cell } from "./kernel-host.js";
import { encodeRefs } from "./ref-codec.js";
import { RemoteRef } from "./refs.js";
import { resolveCapacity, resolveSupervision } from "./supervision.js";
import { encodeSpawnOptions, systemEndpoint, type SystemMessage } from "./system-messages.js";
import type { ActorRef, Address, SpawnOptions } from "./types.js";

const SCHEME_LENGTH = "wfx://".length;

/**
 * Where system `systemId` keeps the children that the actor at `parent` (of another system) spawned there:
 * `wfx://b/$$remote/a/sup` for `wfx://a/sup`, so `wfx://b/$$remote/a/sup/step1` says who hosts it and who supervises it.
 */
export function remoteParentAddress(systemId: string, parent: Address): Address {
  return rootAddress(systemId) + "/$$remote/" + parent.slice(SCHEME_LENGTH);
}

/**
 * `ctx.spawnRemote` for `parent`'s running incarnation. On this system it is a local spawn of the registered
 * kind. Elsewhere the address is chosen here and a spawn message sent, so the ref is usable before the child
 * exists: the transport keeps messages to one system in order, and the spawn goes first. The alternative, an ask
 * resolving to the ref, would make every spawn a round trip and force actors to wait for it with pipeToSelf.
 */
export function spawnRemote<C>(parent: Cell, systemId: string, kind: string, spec: unknown, options: SpawnOptions | undefined): ActorRef<C> {
  const host = parent.host;
  if (systemId === host.system.id) return parent.spawnChild(host.buildKind(kind, spec), options);
  if (!parent.isRunning || host.terminating) throw new ActorStoppedError(parent.address);
  const name = options?.name === undefined ? host.nextName() : checkName(options.name);
  const child = remoteParentAddress(systemId, parent.address) + "/" + name;
  if (parent.linked().hasChild(child)) throw new ActorNameTakenError(child);
  // Validated here too, so a bad option throws at the call site; the hosting system checks again.
  const supervision = options?.supervision === undefined ? undefined : resolveSupervision(options.supervision);
  if (options?.mailboxCapacity !== undefined) resolveCapacity(options.mailboxCapacity, 1);
  const transport = host.transportFor(systemId);
  if (transport === undefined) throw new NoRouteError(child);
  const uid = host.nextName(); // unique in this system: tells this child from an earlier one of the same name
  const message: SystemMessage = { t: "spawn", parent: parent.address, child, uid, kind, spec, options: encodeSpawnOptions(supervision, options?.mailboxCapacity) };
  // A spec that cannot travel (a closure in it) throws here, to the spawner, like any other bad argument.
  if (transport.send(systemEndpoint(systemId), encodeRefs(message)) === false) throw new NoRouteError(child);
  const ref = new RemoteRef<C>(host, child);
  parent.linked().addChild(ref, uid);
  return ref;
}
