import type { Subscription } from "@nats-io/transport-node";
import { withQueuedPlace, type ExecutionQueue, type ExecutionRecord } from "../engine/internal.js";
import { decodeJson, encodeJson } from "./codec.js";
import { queuePlaceSubject } from "./subjects.js";
import type { ClusterWire } from "./trust/cluster-wire.js";

/** A status read waits no longer for the holder's word: the place stored when it was queued is shown instead. */
const ASK_TIMEOUT_MS = 500;

/** Answers other nodes asking where an execution waits in this node's line and which limit holds it, now (encrypted: a key's name may be a caller's). */
export function serveQueuePlaces(wire: ClusterWire, selfId: string, queue: ExecutionQueue): Subscription {
  return wire.subscribe(queuePlaceSubject(selfId), (msg) => {
    const asked = decodeJson<{ executionId?: unknown }>(msg.body);
    const id = typeof asked?.executionId === "string" ? asked.executionId : undefined;
    const position = id === undefined ? undefined : queue.positionOf(id);
    msg.respond(encodeJson(position === undefined ? {} : { position, reason: queue.reasonOf(id!) }), { encrypt: true });
  });
}

/** A record queued on another node, with its place and reason as of now asked of that node; as stored when it does not answer. */
export async function withHolderPlace(wire: ClusterWire, record: ExecutionRecord): Promise<ExecutionRecord> {
  try {
    const answer = decodeJson<{ position?: unknown; reason?: unknown }>(await wire.request(queuePlaceSubject(record.node), encodeJson({ executionId: record.execution_id }), { timeout: ASK_TIMEOUT_MS }));
    return typeof answer?.position === "number" && typeof answer.reason === "string" ? withQueuedPlace(record, answer.position, answer.reason) : record;
  } catch {
    return record;
  }
}
