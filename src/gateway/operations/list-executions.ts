import type { ExecutionClient, ExecutionRecord } from "../../engine/index.js";
import { mayUseWorkflow, type Principal } from "../auth/index.js";
import { executionAnswer } from "./answers.js";
import type { ListExecutionsAnswer, ListExecutionsArgs } from "./schemas.js";
import type { ServerPaths } from "./server-paths.js";

const STATUSES = ["pending", "running", "completed", "failed", "timeout", "cancelled"] as const;

function startedWithin(record: ExecutionRecord, args: ListExecutionsArgs): boolean {
  return (args.since === undefined || record.start_time >= args.since) && (args.until === undefined || record.start_time < args.until);
}

/**
 * `list_executions`: one page of the executions the caller may see, newest first, and the count per status of those
 * matching every other filter (so a dashboard's status tabs show what each would hold).
 */
export async function listExecutions(client: ExecutionClient, paths: ServerPaths, args: ListExecutionsArgs, principal: Principal): Promise<ListExecutionsAnswer> {
  // The store filters by workflow and sorts; node and time are filtered here, on the records it returns.
  const records = await client.list(args.workflow_name === undefined ? {} : { workflow_name: args.workflow_name });
  const counts: Record<string, number> = Object.fromEntries(STATUSES.map((s) => [s, 0]));
  const matching: ExecutionRecord[] = [];
  for (const record of records) {
    if (!mayUseWorkflow(principal, record.workflow_name)) continue;
    if (args.node !== undefined && record.node !== args.node) continue;
    if (!startedWithin(record, args)) continue;
    counts[record.status] = (counts[record.status] ?? 0) + 1;
    if (args.status === undefined || record.status === args.status) matching.push(record);
  }
  const page = matching.slice(args.offset, args.offset + args.limit).map((record) => {
    const { steps: _steps, message: _message, result: _result, error: _error, workflow_file: _file, ...summary } = executionAnswer(record, "", paths);
    return summary;
  });
  return { executions: page, total_count: matching.length, counts, offset: args.offset, limit: args.limit };
}
