import type { JetStreamClient, JetStreamManager } from "@nats-io/jetstream";
import type { ExecutionEvent } from "../engine/internal.js";
import { ClusterError } from "./errors.js";
import { CLUSTER_STORE } from "./subjects.js";

/** A read retried this many times (backing off) before it fails: a NATS server lost hands its streams to new leaders in seconds. */
const READ_ATTEMPTS = 5;
const READ_BACKOFF_MS = 400;

/**
 * An execution's events after `afterSeq` as the events stream holds them: read up to the subject's last message as it
 * was when asked (a message may hold a run of events, group-committed), through a consumer deleted afterwards.
 */
export async function storedEvents(js: JetStreamClient, jsm: JetStreamManager, subject: string, afterSeq: number, eventsOf: (data: Uint8Array) => ExecutionEvent[]): Promise<ExecutionEvent[]> {
  const found: ExecutionEvent[] = [];
  const last = await jsm.streams.getMessage(CLUSTER_STORE.events, { last_by_subj: subject });
  if (last === null || eventsOf(last.data).at(-1)!.seq <= afterSeq) return found;
  const consumer = await js.consumers.get(CLUSTER_STORE.events, { filter_subjects: subject });
  try {
    for (let reached = false; !reached; ) {
      for await (const message of await consumer.fetch({ max_messages: 512, expires: 5000 })) {
        for (const event of eventsOf(message.data)) if (event.seq > afterSeq) found.push(event);
        if (message.seq >= last.seq) {
          reached = true;
          break;
        }
      }
    }
  } finally {
    void consumer.delete().catch(() => undefined);
  }
  return found;
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
