import { applyEvent, createRecord } from "./record.js";
import type { OwnerAlive } from "./owner-liveness.js";
import type { ExecutionRecorder } from "./recorder.js";
import type { ExecutionEvent, ExecutionRecord, ExecutionStore } from "./types.js";
import { given } from "../present.js";

/** What a node does with an execution whose owning process died: continue it from its events, or end it failed. */
export type ResumePolicy = "resume" | "fail";

/** Executions recorded as not ended whose owning process is gone (and that this process is not running). */
export async function findOrphans(store: ExecutionStore, recorder: ExecutionRecorder, ownerAlive: OwnerAlive): Promise<ExecutionRecord[]> {
  const open = [...(await store.listRecords({ status: "running" })), ...(await store.listRecords({ status: "pending" }))];
  return open.filter((r) => !recorder.isLive(r.execution_id) && !ownerAlive(r));
}

/**
 * Claims the right to adopt an orphan, once across every process sharing the store: the claim names the adoption's
 * generation, so a second adopter of the same orphan loses, and an adopter that dies in turn leaves the next
 * generation free.
 */
export async function claimOrphan(store: ExecutionStore, record: ExecutionRecord, nodeId: string): Promise<number | undefined> {
  const generation = (record.resume?.generation ?? 0) + 1;
  const winner = await store.claim(`adopt/${record.execution_id}/${generation}`, { pid: process.pid, node: nodeId, at: Date.now() });
  return winner === undefined ? generation : undefined;
}

/** The record folded afresh from all its events (a snapshot may lag behind them), keeping its resume spec. */
export function rebuildRecord(stored: ExecutionRecord, events: readonly ExecutionEvent[]): ExecutionRecord {
  const record = createRecord({
    executionId: stored.execution_id,
    workflowName: stored.workflow_name,
    mode: stored.execution_mode,
    node: stored.node,
    stepIds: stored.steps.map((s) => s.id),
    startMs: stored.start_time * 1000,
    ...given({ workflowFile: stored.workflow_file, input: stored.input, pid: stored.pid }),
    // Who may cancel and read it does not change because another process runs it now.
    ...given({ startedBy: stored.started_by, startedByTenant: stored.started_by_tenant, priority: stored.priority }),
  });
  for (const event of events) applyEvent(record, event);
  if (stored.resume !== undefined) record.resume = stored.resume;
  return record;
}

/** "process 123 on node a": who died, for the resumed event and for messages. */
export function ownerOf(record: ExecutionRecord): string {
  return `the process running it (pid ${record.pid ?? "unknown"} on node ${record.node})`;
}

/** The highest sequence number among an execution's events (0 for none): where its numbering goes on. */
export function lastSeqOf(events: readonly ExecutionEvent[]): number {
  return events.reduce((max, e) => Math.max(max, e.seq), 0);
}
