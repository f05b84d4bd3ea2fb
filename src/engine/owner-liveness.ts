import { isProcessAlive } from "./process-alive.js";
import type { ExecutionRecord } from "./types.js";

/**
 * Whether the process that owns an execution (runs it now, or last did) is alive. On one machine that is its pid; a
 * cluster answers for executions owned by other nodes from its registry. An execution whose owner is dead is an orphan.
 */
export type OwnerAlive = (record: ExecutionRecord) => boolean;

/** The single-machine answer: the record's pid names a live process. */
export const processOwnerAlive: OwnerAlive = (record) => record.pid !== undefined && isProcessAlive(record.pid);
