import type { NatsConnection } from "@nats-io/transport-node";
import { BucketRateLimiter, type ModelRateLimiter } from "../agents/index.js";
import type { ModelLimit } from "../config/index.js";
import type { Logger } from "../observability/index.js";
import { ClusterRateBuckets } from "./cluster-rate-buckets.js";
import { SharedBuckets } from "./shared-buckets.js";
import { ClusterKeyPlaces } from "./cluster-key-places.js";
import { LeaseSemaphore } from "./lease-semaphore.js";
import { LeaseStore } from "./lease-store.js";
import { TagLimits } from "./tag-limits.js";
import type { ClusterWire } from "./trust/cluster-wire.js";
import type { SealedStoreValues } from "./trust/sealed-store-values.js";

export interface ClusterLimitsDeps {
  /** Connects (once, retrying until NATS answers) and resolves with the connection and the wire. */
  connect: () => Promise<{ nc: NatsConnection; wire: ClusterWire }>;
  values: SealedStoreValues;
  replicas: number;
  /** The nodes that are up (this one included). */
  peers: () => number;
  logger: Logger;
}

/** What every node shares through JetStream KV: model rate limits (token buckets), limits per tag and concurrency keys (places and a line). */
export class ClusterLimits {
  readonly #deps: ClusterLimitsDeps;
  #tags: TagLimits | undefined;
  #keys: LeaseSemaphore | undefined;
  #store: Promise<LeaseStore> | undefined;

  constructor(deps: ClusterLimitsDeps) {
    this.#deps = deps;
  }

  /** Model calls of every node share each limit; while the KV is away each node takes 1/n of it. */
  modelRateLimiter(limits: readonly ModelLimit[]): ModelRateLimiter {
    const shared = this.#deps.connect().then(({ nc, wire }) => ({ buckets: new SharedBuckets(nc, this.#deps.values, this.#deps.replicas), wire }));
    shared.catch(() => undefined);
    return new BucketRateLimiter(limits, new ClusterRateBuckets({ shared, peers: this.#deps.peers, logger: this.#deps.logger }));
  }

  /** The limits per tag placed steps wait under (made once); undefined when this node sets none. */
  tagLimits(limits: Readonly<Record<string, number>>, self: { node: string; instance: string; leaseMs: number }): TagLimits | undefined {
    if (Object.keys(limits).length === 0) return undefined;
    return (this.#tags ??= new TagLimits({ limits, ...self, store: this.#leaseStore(), logger: this.#deps.logger }));
  }

  /** Concurrency keys and tokens' max_running, held cluster-wide by the node's queue (made once, per node that queues). */
  keyPlaces(self: { node: string; instance: string; leaseMs: number }): ClusterKeyPlaces {
    this.#keys ??= new LeaseSemaphore({ ...self, store: this.#leaseStore(), prefix: "key", logger: this.#deps.logger });
    return new ClusterKeyPlaces(this.#keys);
  }

  #leaseStore(): Promise<LeaseStore> {
    if (this.#store === undefined) {
      this.#store = this.#deps.connect().then(({ nc }) => new LeaseStore(nc, this.#deps.values, this.#deps.replicas));
      this.#store.catch(() => undefined);
    }
    return this.#store;
  }

  /** Running and waiting steps per limited tag (wfx_tag_limit_steps). */
  tagCounts(): ReadonlyMap<string, { running: number; waiting: number; limit: number }> {
    return this.#tags?.counts() ?? new Map();
  }

  close(): Promise<void> {
    return Promise.all([this.#tags?.close(), this.#keys?.close()]).then(() => undefined);
  }
}
