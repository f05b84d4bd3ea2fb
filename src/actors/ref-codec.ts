import type { ActorRef, Address } from "./types.js";

/** Key of an encoded ref: `{ "$wfxRef": "wfx://node1/exec-42" }` travels as plain data and is revived on arrival. */
export const REF_KEY = "$wfxRef";

/** Messages nested deeper than this are sent as they are (and a cycle cannot loop forever). */
const MAX_DEPTH = 64;

function isRef(value: object): value is ActorRef {
  return typeof (value as ActorRef).tell === "function" && typeof (value as ActorRef).address === "string";
}

function isPlainObject(value: object): value is Record<string, unknown> {
  const proto = Object.getPrototypeOf(value);
  return proto === Object.prototype || proto === null;
}

/** Replaces refs in arrays and plain objects with `{ $wfxRef: address }`, copying only what changes. */
export function encodeRefs(value: unknown, depth = 0): unknown {
  if (value === null || typeof value !== "object" || depth > MAX_DEPTH) return value;
  if (isRef(value)) return { [REF_KEY]: value.address };
  return mapChildren(value, depth, encodeRefs);
}

/** Turns `{ $wfxRef: address }` objects back into refs with `resolve` (the receiving system's `refFor`). */
export function decodeRefs(value: unknown, resolve: (address: Address) => ActorRef, depth = 0): unknown {
  if (value === null || typeof value !== "object" || depth > MAX_DEPTH) return value;
  if (isPlainObject(value)) {
    const address = value[REF_KEY];
    if (typeof address === "string" && Object.keys(value).length === 1) return resolve(address);
  }
  return mapChildren(value, depth, (child, d) => decodeRefs(child, resolve, d));
}

function mapChildren(value: object, depth: number, map: (child: unknown, depth: number) => unknown): unknown {
  if (Array.isArray(value)) {
    let copy: unknown[] | undefined;
    for (let i = 0; i < value.length; i++) {
      const mapped = map(value[i], depth + 1);
      if (mapped !== value[i]) (copy ??= value.slice())[i] = mapped;
    }
    return copy ?? value;
  }
  if (!isPlainObject(value)) return value;
  let copy: Record<string, unknown> | undefined;
  for (const key in value) {
    const mapped = map(value[key], depth + 1);
    if (mapped !== value[key]) (copy ??= { ...value })[key] = mapped;
  }
  return copy ?? value;
}
