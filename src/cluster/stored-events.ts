import type { JetStreamClient, JetStreamManager } from "@nats-io/jetstream";
import type { ExecutionEvent } from "../engine/internal.js";
import { CLUSTER_STORE } from "./subjects.js";

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
