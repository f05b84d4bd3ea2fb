const encoder = new TextEncoder();
const decoder = new TextDecoder();

/** JSON as NATS payloads: what the cluster's request-reply subjects carry (actor messages use v8 serialisation). */
export function encodeJson(value: unknown): Uint8Array {
  return encoder.encode(JSON.stringify(value));
}

/** undefined when the payload is not JSON: a handler answers that with an error rather than throwing in a callback. */
export function decodeJson<T>(data: Uint8Array): T | undefined {
  try {
    return JSON.parse(decoder.decode(data)) as T;
  } catch {
    return undefined;
  }
}
