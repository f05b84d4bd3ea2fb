import type { ExecutionStatus, ListExecutionsQuery } from "../types.js";

/** The fields a listing filters and sorts on, so stores can answer without materialising every record. */
export interface RecordSummary {
  execution_id: string;
  workflow_name: string;
  status: ExecutionStatus;
  start_time: number;
}

/** Just the summary fields of a record (or of a larger summary). */
export function summaryOf(record: RecordSummary): RecordSummary {
  return { execution_id: record.execution_id, workflow_name: record.workflow_name, status: record.status, start_time: record.start_time };
}

export function matchesQuery(summary: RecordSummary, query: ListExecutionsQuery): boolean {
  if (query.status !== undefined && summary.status !== query.status) return false;
  if (query.workflow_name !== undefined && summary.workflow_name !== query.workflow_name) return false;
  return true;
}

/** Newest first; ties broken by id so a listing is stable. */
export function newestFirst(a: RecordSummary, b: RecordSummary): number {
  return b.start_time - a.start_time || (a.execution_id < b.execution_id ? -1 : a.execution_id > b.execution_id ? 1 : 0);
}

/** Filters, sorts newest first and applies `limit` (absent: everything). */
export function selectRecords<T extends RecordSummary>(candidates: Iterable<T>, query: ListExecutionsQuery = {}): T[] {
  const selected: T[] = [];
  for (const candidate of candidates) if (matchesQuery(candidate, query)) selected.push(candidate);
  selected.sort(newestFirst);
  return query.limit === undefined ? selected : selected.slice(0, Math.max(0, Math.floor(query.limit)));
}
