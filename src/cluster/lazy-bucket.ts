import { jetstream } from "@nats-io/jetstream";
import { Kvm, type KV } from "@nats-io/kv";
import type { NatsConnection } from "@nats-io/transport-node";

/** How a small shared bucket (one value per limit) is kept: how long a call may wait, copies, and when unused keys go. */
export interface LazyBucketOptions {
  timeoutMs: number;
  replicas: number;
  maxAgeMs: number;
}

/** Makes (or binds to) a KV bucket on first use, once; a failure is tried again by the next caller. */
export function lazyBucket(nc: NatsConnection, name: string, options: LazyBucketOptions): () => Promise<KV> {
  let kv: Promise<KV> | undefined;
  return () => {
    kv ??= new Kvm(jetstream(nc, { timeout: options.timeoutMs })).create(name, { history: 1, replicas: options.replicas, storage: "file", ttl: options.maxAgeMs }).catch((error: unknown) => {
      kv = undefined;
      throw error;
    });
    return kv;
  };
}
