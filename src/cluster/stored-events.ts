import { DeliverPolicy, type JetStreamClient, type JetStreamManager } from "@nats-io/jetstream";
import type { ExecutionEvent } from "../engine/internal.js";
import { ClusterError } from "./errors.js";
import { CLUSTER_STORE } from "./subjects.js";

/** A read retried this many times (backing off) before it fails: a NATS server lost hands its streams to new leaders in seconds. */
const READ_ATTEMPTS = 5;
const READ_BACKOFF_MS = 400;
/** Messages read one direct get at a time before a longer log is read through a consumer instead (one fetch per 512). */
const DIRECT_READS = 32;

/**
 * An execution's events after `afterSeq` as the events stream holds them: read up to the subject's last message as it
 * was when asked (a message may hold a run of events, group-committed). Short logs are read by direct gets, which any
 * replica answers and which need no consumer (creating one waits on the meta leader: seconds after a server is lost);
 * a longer log, or a replica that has not caught up, is read on through a consumer deleted afterwards.
 */
export async function storedEvents(js: JetStreamClient, jsm: JetStreamManager, subject: string, afterSeq: number, eventsOf: (data: Uint8Array) => ExecutionEvent[]): Promise<ExecutionEvent[]> {
  const found: ExecutionEvent[] = [];
  // From the stream's leader: what a replica answers may lag behind an append the caller already saw.
  const last = await jsm.streams.getMessage(CLUSTER_STORE.events, { last_by_subj: subject });
  if (last === null || eventsOf(last.data).at(-1)!.seq <= afterSeq) return found;
  const take = (data: Uint8Array) => {
    for (const event of eventsOf(data)) if (event.seq > afterSeq) found.push(event);
  };
  let next = 1;
  for (let reads = 0; reads < DIRECT_READS; reads++) {
    const message = await jsm.direct.getMessage(CLUSTER_STORE.events, { seq: next, next_by_subj: subject });
    if (message === null || message.seq > last.seq) break;
    take(message.data);
    if (message.seq === last.seq) return found;
    next = message.seq + 1;
  }
  await readThroughConsumer(js, subject, next, last.seq, take);
  return found;
}

/** The subject's messages from `fromSeq` up to `lastSeq`, fetched 512 at a time. */
async function readThroughConsumer(js: JetStreamClient, subject: string, fromSeq: number, lastSeq: number, take: (data: Uint8Array) => void): Promise<void> {
  const consumer = await js.consumers.get(CLUSTER_STORE.events, { filter_subjects: subject, deliver_policy: DeliverPolicy.StartSequence, opt_start_seq: fromSeq });
  try {
    for (let reached = false; !reached; ) {
      for await (const message of await consumer.fetch({ max_messages: 512, expires: 5000 })) {
        take(message.data);
        if (message.seq >= lastSeq) {
          reached = true;
          break;
        }
      }
    }
  } finally {
    void consumer.delete().catch(() => undefined);
  }
}
/** `storedEvents`, retried through a leader election; a read that keeps failing says the store is unavailable, with why. */
export async function storedEventsRetried(...args: Parameters<typeof storedEvents>): Promise<ExecutionEvent[]> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await storedEvents(...args);
    } catch (error) {
      if (error instanceof ClusterError) throw error;
      if (attempt >= READ_ATTEMPTS) {
        throw new ClusterError("WFX_CLUSTER_STORE_UNAVAILABLE", `reading the events on ${args[2]} from JetStream failed ${attempt} times: ${(error as Error).message}`, {
          hint: "check the NATS servers and JetStream (nats-server's log, `/ready` of the nodes); the read can be repeated",
          retryable: true,
        });
      }
      await new Promise((resolve) => setTimeout(resolve, READ_BACKOFF_MS * attempt));
    }
  }
}
