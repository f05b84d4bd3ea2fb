import type { ExecutionRecord } from "../engine/index.js";
import type { Io } from "./io.js";

/** The result on stdout when the execution completed, else what went wrong (and how to fix it) on stderr. */
export function printOutcome(record: ExecutionRecord, io: Io): void {
  if (record.status === "completed") {
    io.out.write(`${typeof record.result === "string" ? record.result : JSON.stringify(record.result, null, 2) ?? "(no result)"}\n`);
  } else {
    io.err.write(`execution ${record.execution_id} ${record.status}: ${record.error?.message ?? ""}\n${record.error?.hint ? `  hint: ${record.error.hint}\n` : ""}`);
  }
}
