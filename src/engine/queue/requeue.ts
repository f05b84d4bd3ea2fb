import type { Requeue } from "../queued-recovery.js";
import type { ExecutionQueue } from "./execution-queue.js";

/**
 * How an execution queued elsewhere before (this node before its restart, or another node that let it go) joins this
 * node's line: at its stored priority, key and arrival, counted under its token's max_queued again but let in whatever
 * the bound (it was accepted once).
 */
export function requeueInto(queue: ExecutionQueue): Requeue {
  return (record, { turnKey, limits, maxQueued }) => (launch) => {
    const ticket = { priority: record.queue?.priority ?? 5, key: turnKey, limits, maxQueued };
    const place = queue.enqueue(record.execution_id, ticket, launch, { recovered: true, ...(record.queue?.queued_at === undefined ? {} : { queuedAt: record.queue.queued_at }) });
    return { ...place, withdraw: () => queue.withdraw(record.execution_id) };
  };
}
