import type { ExecutionOwner, ExecutionStatus, ListExecutionsQuery } from "../types.js";
import { given } from "../../present.js";

/** The fields a listing filters and sorts on, so stores can answer without materialising every record. */
export interface RecordSummary extends ExecutionOwner {
  execution_id: string;
  workflow_name: string;
  status: ExecutionStatus;
  start_time: number;
  node: string;
}

/** Just the summary fields of a record (or of a larger summary). */
export function summaryOf(record: RecordSummary): RecordSummary {
  return {
    execution_id: record.execution_id,
    workflow_name: record.workflow_name,
    status: record.status,
    start_time: record.start_time,
    node: record.node,
    ...given({ started_by: record.started_by, started_by_tenant: record.started_by_tenant }),
  };
}

/** Every filter but status. */
function matchesScope(summary: RecordSummary, query: ListExecutionsQuery): boolean {
  if (query.workflow_name !== undefined && summary.workflow_name !== query.workflow_name) return false;
  if (query.node !== undefined && summary.node !== query.node) return false;
  if (query.since !== undefined && summary.start_time < query.since) return false;
  if (query.until !== undefined && summary.start_time >= query.until) return false;
  if (query.workflow_allowed !== undefined && !query.workflow_allowed(summary.workflow_name)) return false;
  if (query.owner_allowed !== undefined && !query.owner_allowed(summary)) return false;
  return true;
}

export function matchesQuery(summary: RecordSummary, query: ListExecutionsQuery): boolean {
  return (query.status === undefined || summary.status === query.status) && matchesScope(summary, query);
}

/** Newest first; ties broken by id so a listing is stable. */
export function newestFirst(a: RecordSummary, b: RecordSummary): number {
  return b.start_time - a.start_time || (a.execution_id < b.execution_id ? -1 : a.execution_id > b.execution_id ? 1 : 0);
}

/**
 * Filters, sorts newest first and applies `offset` and `limit` (absent: everything); fills in the query's
 * `status_counts` and `matched`.
 */
export function selectRecords<T extends RecordSummary>(candidates: Iterable<T>, query: ListExecutionsQuery = {}): T[] {
  const selected: T[] = [];
  const counts: Partial<Record<ExecutionStatus, number>> = {};
  for (const candidate of candidates) {
    if (!matchesScope(candidate, query)) continue;
    counts[candidate.status] = (counts[candidate.status] ?? 0) + 1;
    if (query.status === undefined || candidate.status === query.status) selected.push(candidate);
  }
  query.status_counts = counts;
  query.matched = selected.length;
  selected.sort(newestFirst);
  const from = Math.max(0, Math.floor(query.offset ?? 0));
  return query.limit === undefined ? selected.slice(from) : selected.slice(from, from + Math.max(0, Math.floor(query.limit)));
}
