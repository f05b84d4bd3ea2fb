import { jetstream, jetstreamManager, JetStreamApiCodes, JetStreamApiError, type JetStreamClient, type JetStreamManager } from "@nats-io/jetstream";
import { Kvm, type KV } from "@nats-io/kv";
import type { NatsConnection } from "@nats-io/transport-node";
import type { ExecutionRecord } from "../engine/internal.js";
import type { Logger } from "../observability/index.js";
import { AckedPublisher } from "./acked-publisher.js";
import { RecordView } from "./record-view.js";
import { CLUSTER_STORE } from "./subjects.js";
import type { Seal } from "./trust/cluster-seal.js";
import type { ClusterRejections } from "./trust/rejections.js";

/** How the cluster store is kept in JetStream and sealed. */
export interface JetStreamStoreOptions {
  /** Copies JetStream keeps of every bucket and stream (1 on a single nats-server; 3 on a NATS cluster). */
  replicas: number;
  /** Records and events older than this are dropped by JetStream itself (the bucket's and stream's max_age). */
  retentionMs: number;
  /** Signs (and encrypts the tenant data of) every value written, and checks every value read. */
  seal: Seal;
  rejections: ClusterRejections;
  /** Writes failing this long make the store unhealthy (the node not ready); 10 s unless set. */
  unhealthyAfterMs?: number;
}

/** What the cluster store works with once NATS is reached. */
export type StoreParts = { nc: NatsConnection; js: JetStreamClient; jsm: JetStreamManager; records: KV; claims: KV; view: RecordView; publisher: AckedPublisher };

/** How long JetStream remembers an event's id to drop a second copy of it: 2 minutes, or the retention when that is shorter (JetStream refuses a longer one). */
const DUPLICATE_WINDOW_NS = 120_000_000_000;

/** Makes (or binds to) the records and claims buckets and the events stream, and starts the listing's view. */
export async function openStoreParts(nc: NatsConnection, options: { replicas: number; retentionMs: number }, recordOf: (key: string, data: Uint8Array) => ExecutionRecord, logger: Logger): Promise<StoreParts> {
  const js = jetstream(nc);
  const jsm = await jetstreamManager(nc);
  const maxAgeNs = options.retentionMs * 1_000_000;
  const bucket = { replicas: options.replicas, storage: "file" as const, history: 1, ttl: options.retentionMs };
  const kvm = new Kvm(js);
  const records = await kvm.create(CLUSTER_STORE.records, bucket);
  const claims = await kvm.create(CLUSTER_STORE.claims, bucket);
  const stream = { name: CLUSTER_STORE.events, subjects: [`${CLUSTER_STORE.eventsPrefix}.>`], storage: "file" as const, num_replicas: options.replicas, max_age: maxAgeNs, duplicate_window: Math.min(DUPLICATE_WINDOW_NS, maxAgeNs), allow_direct: true };
  try {
    await jsm.streams.info(stream.name);
    await jsm.streams.update(stream.name, { max_age: stream.max_age, num_replicas: stream.num_replicas, allow_direct: true });
  } catch (error) {
    if (!(error instanceof JetStreamApiError && error.code === JetStreamApiCodes.StreamNotFound)) throw error;
    await jsm.streams.add(stream);
  }
  const view = await RecordView.start(records, recordOf, logger);
  return { nc, js, jsm, records, claims, view, publisher: new AckedPublisher(nc) };
}
