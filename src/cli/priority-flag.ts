import { CliError } from "./cli-error.js";

/** `--priority`: a whole number 0-9, the same range the gateways' `priority` field takes (9 starts first). */
export function parsePriorityFlag(raw: string): number {
  const value = raw.trim();
  if (!/^\d$/.test(value)) throw new CliError(`--priority must be a whole number from 0 to 9, got '${raw}'`, { hint: "9 starts first when executions wait for a slot; without --priority the workflow's `priority:`, else 5" });
  return Number(value);
}
