import { describeUsage, type ExecutionRecord } from "../engine/internal.js";
import { exitCodeFor } from "./exit-codes.js";
import type { Io } from "./io.js";

/** The result on stdout when the execution completed, else what went wrong (and how to fix it) on stderr. */
function printOutcome(record: ExecutionRecord, io: Io): void {
  if (record.status === "completed") {
    io.out.write(`${typeof record.result === "string" ? record.result : JSON.stringify(record.result, null, 2) ?? "(no result)"}\n`);
  } else {
    io.err.write(`execution ${record.execution_id} ${record.status}: ${record.error?.message ?? ""}\n${record.error?.hint ? `  hint: ${record.error.hint}\n` : ""}`);
  }
  // Last, on stderr: what the run used, without mixing into the result a pipe reads from stdout.
  if (record.usage !== undefined) io.err.write(`usage: ${describeUsage(record.usage)}\n`);
}

/** How `run` and `status --follow` end: the final record as a JSON line, or the outcome for people; then the exit code. */
export function reportOutcome(record: ExecutionRecord, json: boolean, io: Io): number {
  if (json) io.out.write(`${JSON.stringify({ record })}\n`);
  else printOutcome(record, io);
  return exitCodeFor(record.status);
}
