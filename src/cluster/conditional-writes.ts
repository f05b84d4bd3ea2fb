import { JetStreamApiCodes, JetStreamApiError } from "@nats-io/jetstream";
import type { KV } from "@nats-io/kv";
import type { AckedPublisher } from "./acked-publisher.js";

/** JetStream refused a write conditional on a sequence that is no longer the last: someone else wrote since. */
export function isWrongLastSequence(error: unknown): boolean {
  return error instanceof JetStreamApiError && error.code === JetStreamApiCodes.StreamWrongLastSequence;
}

/** One key of a KV bucket, written through the store's publisher (conditional on its revision) and read through the bucket. */
export interface ConditionalKey {
  /** Puts `value` if the key's revision is still `revision` (0: the key holds nothing); resolves with the new revision. */
  put(value: Uint8Array, revision: number): Promise<number>;
  get(): Promise<{ revision: number; operation: string; value: Uint8Array } | null>;
}

/** A bucket's key as a ConditionalKey: its puts are stream publishes to `$KV.<bucket>.<key>`, as the KV client makes them. */
export function conditionalKey(bucket: KV, bucketName: string, key: string, publisher: AckedPublisher): ConditionalKey {
  const subject = `$KV.${bucketName}.${key}`;
  return {
    put: async (value, revision) => (await publisher.publish(subject, value, { lastSubjectSeq: revision })).seq,
    get: () => bucket.get(key),
  };
}

/**
 * Puts a value only over the revision this process last wrote (`known`), resolving with the new revision. Without one
 * (its first write here) it creates the key; when the key exists already (another node placed the execution here, or
 * this node adopted it) it takes the revision it finds.
 */
export async function putOverOwn(key: ConditionalKey, value: Uint8Array, known: number | undefined, ownWrite?: (stored: Uint8Array) => boolean): Promise<number> {
  if (known !== undefined) {
    try {
      return await key.put(value, known);
    } catch (error) {
      // A put that landed while its acknowledgement was lost (NATS restarting) moved the revision on: ours, not another's.
      if (!isWrongLastSequence(error) || ownWrite === undefined) throw error;
      const current = await key.get();
      if (current === null || current.operation !== "PUT" || !ownWrite(current.value)) throw error;
      return key.put(value, current.revision);
    }
  }
  try {
    return await key.put(value, 0);
  } catch (error) {
    if (!isWrongLastSequence(error)) throw error;
    const current = await key.get();
    return key.put(value, current === null ? 0 : current.revision);
  }
}
