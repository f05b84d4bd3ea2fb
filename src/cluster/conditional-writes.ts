import { JetStreamApiCodes, JetStreamApiError } from "@nats-io/jetstream";
import type { KV } from "@nats-io/kv";

/** JetStream refused a write conditional on a sequence that is no longer the last: someone else wrote since. */
export function isWrongLastSequence(error: unknown): boolean {
  return error instanceof JetStreamApiError && error.code === JetStreamApiCodes.StreamWrongLastSequence;
}

/**
 * Puts a value only over the revision this process last wrote (`known`), resolving with the new revision. Without one
 * (its first write here) it creates the key; when the key exists already (another node placed the execution here, or
 * this node adopted it) it takes the revision it finds.
 */
export async function putOverOwn(kv: KV, key: string, value: Uint8Array, known: number | undefined, ownWrite?: (stored: Uint8Array) => boolean): Promise<number> {
  if (known !== undefined) {
    try {
      return await kv.update(key, value, known);
    } catch (error) {
      // A put that landed while its acknowledgement was lost (NATS restarting) moved the revision on: ours, not another's.
      if (!isWrongLastSequence(error) || ownWrite === undefined) throw error;
      const current = await kv.get(key);
      if (current === null || current.operation !== "PUT" || !ownWrite(current.value)) throw error;
      return kv.update(key, value, current.revision);
    }
  }
  try {
    return await kv.create(key, value);
  } catch (error) {
    if (!isWrongLastSequence(error)) throw error;
    const current = await kv.get(key);
    return current === null ? kv.create(key, value) : kv.update(key, value, current.revision);
  }
}
