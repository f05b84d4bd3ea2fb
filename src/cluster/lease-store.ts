import { createHash } from "node:crypto";
import type { KV } from "@nats-io/kv";
import type { NatsConnection } from "@nats-io/transport-node";
import { lazyBucket } from "./lazy-bucket.js";
import { emptyLeases, leasesOf, type TagLeases } from "./tag-leases.js";
import { TAG_LIMITS_BUCKET } from "./subjects.js";
import type { SealedStoreValues } from "./trust/sealed-store-values.js";

/** A write must not hang on a NATS that went away: the waiter waits and says why, and the next round tries again. */
const KV_TIMEOUT_MS = 2000;
/** A name nobody used for a day is dropped; its next use starts an empty line. */
const BUCKET_MAX_AGE_MS = 24 * 3_600_000;

/** A semaphore's value and the revision a compare-and-set must name (0: not there yet, create it). */
export interface StoredLeases {
  value: TagLeases;
  revision: number;
}

/** `tag.gpu`: KV keys allow few characters, so any other than letters, digits, '_' and '-' is written `=XX`. */
export function tagKeyOf(tag: string): string {
  return `tag.${tag.replace(/[^A-Za-z0-9_-]/g, (c) => `=${c.charCodeAt(0).toString(16).padStart(2, "0")}`)}`;
}

/** A concurrency key (or token) is a caller's text: its KV key, and the label its value carries, are a digest of it. */
export function keyPlaceKeyOf(key: string): string {
  return `key.${createHash("sha256").update(key).digest("hex").slice(0, 32)}`;
}

/**
 * Every cluster-wide semaphore's leases (limits per tag, concurrency keys) in one JetStream KV bucket, each value
 * signed over its key with the cluster key (it holds no tenant data: node ids, step or execution ids, counts, a tag or
 * a digest); every change is a compare-and-set on the revision read.
 */
export class LeaseStore {
  readonly #values: SealedStoreValues;
  readonly #open: () => Promise<KV>;

  constructor(nc: NatsConnection, values: SealedStoreValues, replicas: number) {
    this.#values = values;
    this.#open = lazyBucket(nc, TAG_LIMITS_BUCKET, { timeoutMs: KV_TIMEOUT_MS, replicas, maxAgeMs: BUCKET_MAX_AGE_MS });
  }

  #decode(key: string, data: Uint8Array, label: string): TagLeases {
    const value = leasesOf(this.#values.signedOf(`${TAG_LIMITS_BUCKET}/${key}`, data, "tag limit"));
    if (value === undefined || value.tag !== label) throw new Error(`the lease value at ${key} holds no leases of '${label}'`);
    return value;
  }

  /** The value at `key` as stored, or an empty one (labelled `label`) at revision 0 when none is. */
  async read(key: string, label: string): Promise<StoredLeases> {
    const kv = await this.#open();
    const entry = await kv.get(key);
    if (entry === null || entry.operation !== "PUT" || entry.value.length === 0) return { value: emptyLeases(label), revision: entry?.revision ?? 0 };
    return { value: this.#decode(key, entry.value, label), revision: entry.revision };
  }

  /** Writes `value` at `key` over `revision` and returns the new one; rejects (wrong last sequence) when another node wrote since. */
  async write(key: string, value: TagLeases, revision: number): Promise<number> {
    const kv = await this.#open();
    const data = this.#values.signed(`${TAG_LIMITS_BUCKET}/${key}`, JSON.stringify(value));
    return revision === 0 ? kv.create(key, data) : kv.update(key, data, revision);
  }

  /**
   * Calls `onValue` with each value under `prefix` (`tag`, `key`) that `labelOf` knows, as any node writes it, until
   * the returned stop is called; a value that fails its check is skipped (logged by the caller through `onBad`).
   */
  async watch(prefix: string, labelOf: (key: string) => string | undefined, onValue: (key: string, stored: StoredLeases) => void, onBad: (key: string, error: unknown) => void): Promise<() => void> {
    const kv = await this.#open();
    const watch = await kv.watch({ key: `${prefix}.>` });
    void (async () => {
      for await (const entry of watch) {
        const label = labelOf(entry.key);
        if (label === undefined || entry.operation !== "PUT") continue;
        try {
          onValue(entry.key, { value: this.#decode(entry.key, entry.value, label), revision: entry.revision });
        } catch (error) {
          onBad(entry.key, error);
        }
      }
    })();
    return () => watch.stop();
  }
}
