import type { ExecutionEvent } from "../../engine/internal.js";

/**
 * Encodes each event once however many watchers it goes to: the fan-out (watch-fan-out.ts) hands every watcher in
 * step the same event object, so the bytes are computed for the first and reused for the rest.
 */
export function encodedOnce<T extends object | string>(encode: (event: ExecutionEvent) => T): (event: ExecutionEvent) => T {
  const encoded = new WeakMap<ExecutionEvent, T>();
  return (event) => {
    let value = encoded.get(event);
    if (value === undefined) encoded.set(event, (value = encode(event)));
    return value;
  };
}
