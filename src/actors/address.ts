import { InvalidActorOptionError } from "./errors.js";
import type { Address } from "./types.js";

const SCHEME = "wfx://";

/** `wfx://<systemId>`: the address of a system's guardian; actors live under it. */
export function rootAddress(systemId: string): Address {
  return SCHEME + systemId;
}

/** The system id of a `wfx://<systemId>/...` address, or undefined when it is not one. */
export function systemIdOf(address: Address): string | undefined {
  if (!address.startsWith(SCHEME)) return undefined;
  const end = address.indexOf("/", SCHEME.length);
  const id = end === -1 ? address.slice(SCHEME.length) : address.slice(SCHEME.length, end);
  return id.length === 0 ? undefined : id;
}

/** Names become path segments: no "/" and no leading "$" (reserved for generated names). */
export function checkName(name: string): string {
  if (typeof name !== "string" || name.length === 0 || name.includes("/") || name.charCodeAt(0) === 36) {
    throw new InvalidActorOptionError(`invalid actor name ${JSON.stringify(name)}`, 'use a non-empty name without "/" that does not start with "$"');
  }
  return name;
}

export function checkSystemId(id: string): string {
  if (typeof id !== "string" || id.length === 0 || id.includes("/")) {
    throw new InvalidActorOptionError(`invalid actor system id ${JSON.stringify(id)}`, 'use a non-empty id without "/", e.g. the node name');
  }
  return id;
}
