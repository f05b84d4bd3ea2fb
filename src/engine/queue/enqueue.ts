import type { ExecutionRecord } from "../types.js";

/** Where a newly queued execution stands, and which limit holds it. */
export interface QueuedPlace {
  position: number;
  reason: string;
}

/** Puts a waiting execution in line: `launch` runs once it may start; `withdraw` takes it out (true when it still waited). */
export type Enqueue = (launch: () => Promise<ExecutionRecord>) => QueuedPlace & { withdraw: () => boolean };
