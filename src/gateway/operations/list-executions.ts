import type { ExecutionClient, ListExecutionsQuery } from "../../engine/internal.js";
import { maySee, mayUseWorkflow, type Principal } from "../auth/index.js";
import { executionAnswer } from "./answers.js";
import type { ListExecutionsAnswer, ListExecutionsArgs } from "./schemas.js";
import type { ServerPaths } from "./server-paths.js";
import { given } from "../../present.js";

const STATUSES = ["pending", "queued", "running", "completed", "failed", "timeout", "cancelled"] as const;

/**
 * `list_executions`: one page of the executions the caller may see (see maySee), newest first, and the count per status of those
 * matching every other filter (so a dashboard's status tabs show what each would hold). The store filters and pages on
 * its summaries, so only the page's records are read.
 */
export async function listExecutions(client: ExecutionClient, paths: ServerPaths, args: ListExecutionsArgs, principal: Principal): Promise<ListExecutionsAnswer> {
  const query: ListExecutionsQuery = {
    ...given({ status: args.status, workflow_name: args.workflow_name, node: args.node, since: args.since, until: args.until }),
    ...(principal.workflows === undefined ? {} : { workflow_allowed: (name: string) => mayUseWorkflow(principal, name) }),
    owner_allowed: (owner) => maySee(principal, owner),
    offset: args.offset,
    limit: args.limit,
  };
  const records = await client.list(query);
  const counts: Record<string, number> = Object.fromEntries(STATUSES.map((s) => [s, query.status_counts?.[s] ?? 0]));
  const page = records.map((record) => {
    const { steps: _steps, message: _message, result: _result, error: _error, workflow_file: _file, ...summary } = executionAnswer(record, "", paths);
    return summary;
  });
  return { executions: page, total_count: query.matched ?? page.length, counts, offset: args.offset, limit: args.limit };
}
