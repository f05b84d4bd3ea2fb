import { deserialize, serialize } from "node:v8";
import type { Address } from "../actors/index.js";

const encoder = new TextEncoder();
const decoder = new TextDecoder();

/** JSON as NATS payloads: what the cluster's request-reply subjects and beats carry. */
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

/** One actor message on the wire: where it goes in the receiving system, and what it says. */
export interface ActorEnvelope {
  address: Address;
  message: unknown;
}

/**
 * An actor message in v8's structured-clone format (errors and nested data cross as they do between processes over
 * IPC); throws, to its sender, when it holds what cannot travel (a closure).
 */
export function encodeEnvelope(envelope: ActorEnvelope): Uint8Array {
  return serialize(envelope);
}

/** A NATS message holding several envelopes starts with this byte, then each as a 4-byte length and its bytes; v8's format starts with 0xFF. */
const BATCH_MARK = 0;

/** Envelopes (each already encoded) framed into one message: no second serialization of what is already bytes. */
export function frameEnvelopes(parts: readonly Uint8Array[]): Uint8Array {
  if (parts.length === 1) return parts[0]!;
  const out = Buffer.allocUnsafe(1 + parts.reduce((sum, p) => sum + 4 + p.length, 0));
  out[0] = BATCH_MARK;
  let at = 1;
  for (const part of parts) {
    out.writeUInt32BE(part.length, at);
    out.set(part, at + 4);
    at += 4 + part.length;
  }
  return out;
}

/** The envelopes a message carries, one or framed several; throws on bytes that are neither. */
export function unframeEnvelopes(data: Uint8Array): ActorEnvelope[] {
  if (data.length === 0) throw new RangeError("an empty actor message");
  if (data[0] !== BATCH_MARK) return [checkedEnvelope(deserialize(data))];
  const bytes = Buffer.from(data.buffer, data.byteOffset, data.byteLength);
  const envelopes: ActorEnvelope[] = [];
  for (let at = 1; at < bytes.length; ) {
    if (at + 4 > bytes.length) throw new RangeError(`a frame header cut short at byte ${at}`);
    const length = bytes.readUInt32BE(at);
    if (at + 4 + length > bytes.length) throw new RangeError(`a frame of ${length} bytes at byte ${at} runs past the message's ${bytes.length}`);
    envelopes.push(checkedEnvelope(deserialize(bytes.subarray(at + 4, at + 4 + length))));
    at += 4 + length;
  }
  return envelopes;
}

/** What v8 gave back has an envelope's shape: a delivery needs a string address. */
function checkedEnvelope(value: unknown): ActorEnvelope {
  if (value === null || typeof value !== "object" || typeof (value as { address?: unknown }).address !== "string") throw new TypeError("not an actor envelope");
  return value as ActorEnvelope;
}
