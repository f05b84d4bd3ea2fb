import { createHash } from "node:crypto";
import type { KV } from "@nats-io/kv";
import type { NatsConnection } from "@nats-io/transport-node";
import { lazyBucket } from "./lazy-bucket.js";
import { fullLevel, type BucketLevel, type BucketLimit } from "../agents/index.js";
import { RATE_LIMIT_BUCKET } from "./subjects.js";
import type { SealedStoreValues } from "./trust/sealed-store-values.js";

/** A reservation must not hang on a NATS that went away: past this, the node takes its local share instead. */
const KV_TIMEOUT_MS = 1000;
/** Buckets nobody used for a day are dropped; the next call finds a full one. */
const BUCKET_MAX_AGE_MS = 24 * 3_600_000;

/** A bucket as the KV holds it, and the revision a compare-and-set must name (0: not there yet, create it). */
export interface SharedLevel {
  level: BucketLevel;
  revision: number;
}

/** KV keys allow few characters and endpoints are URLs: a bucket's key is a digest of its endpoint and model. */
export function sharedKeyOf(limitKey: string): string {
  return `limit.${createHash("sha256").update(limitKey).digest("hex").slice(0, 32)}`;
}

function isLevel(value: Record<string, unknown>): boolean {
  return ["requests", "tokens", "at"].every((k) => typeof value[k] === "number" && Number.isFinite(value[k]));
}

/**
 * Every limit's token bucket in one JetStream KV bucket, each value signed over its key with the cluster key; every
 * change is a compare-and-set on the revision read, so two nodes can never both spend the same share.
 */
export class SharedBuckets {
  readonly #values: SealedStoreValues;
  readonly #open: () => Promise<KV>;

  constructor(nc: NatsConnection, values: SealedStoreValues, replicas: number) {
    this.#values = values;
    this.#open = lazyBucket(nc, RATE_LIMIT_BUCKET, { timeoutMs: KV_TIMEOUT_MS, replicas, maxAgeMs: BUCKET_MAX_AGE_MS });
  }

  /** The bucket as stored, or a full one at revision 0 when none is (its first use: the start burst). */
  async read(key: string, limit: BucketLimit, now: number): Promise<SharedLevel> {
    const kv = await this.#open();
    const entry = await kv.get(key);
    if (entry === null || entry.operation !== "PUT" || entry.value.length === 0) return { level: fullLevel(limit, now), revision: 0 };
    const value = this.#values.signedOf(`${RATE_LIMIT_BUCKET}/${key}`, entry.value, "rate limit bucket");
    if (!isLevel(value)) throw new Error(`the rate limit bucket ${key} holds no bucket level`);
    return { level: { requests: value["requests"] as number, tokens: value["tokens"] as number, at: value["at"] as number }, revision: entry.revision };
  }

  /** Writes `level` over `revision` and returns the new one; rejects (wrong last sequence) when another node wrote since. */
  async write(key: string, level: BucketLevel, revision: number): Promise<number> {
    const kv = await this.#open();
    const value = this.#values.signed(`${RATE_LIMIT_BUCKET}/${key}`, JSON.stringify(level));
    return revision === 0 ? kv.create(key, value) : kv.update(key, value, revision);
  }
}
