import { elapsedNow, type ExecutionRecord } from "../../engine/index.js";
import { EXIT } from "../exit-codes.js";
import type { Io } from "../io.js";
import { openRuntime } from "../open-runtime.js";

export function formatRecord(record: ExecutionRecord): string {
  const elapsed = elapsedNow(record, Date.now());
  const lines = [
    `execution_id: ${record.execution_id}`,
    `workflow:     ${record.workflow_name}${record.workflow_file ? ` (${record.workflow_file})` : ""}`,
    `mode:         ${record.execution_mode}`,
    `status:       ${record.status}`,
    `progress:     ${record.progress.message}`,
    `started:      ${new Date(record.start_time * 1000).toISOString()}`,
    `elapsed:      ${elapsed.toFixed(2)}s`,
    "steps:",
    ...record.steps.map((s) => `  ${s.status.padEnd(9)} ${s.id}${s.attempts > 1 ? ` (attempts: ${s.attempts})` : ""}${s.error ? `: ${s.error.message}` : ""}`),
  ];
  if (record.error) lines.push(`error:        ${record.error.message}`);
  if (record.status === "completed") lines.push(`result:       ${JSON.stringify(record.result)}`);
  return lines.join("\n");
}

export async function statusCommand(options: { id: string; json: boolean; dataDir?: string }, io: Io): Promise<number> {
  const runtime = await openRuntime(options.dataDir);
  try {
    const record = await runtime.status(options.id);
    if (!record) {
      if (options.json) io.out.write(`${JSON.stringify({ execution_id: options.id, status: "not_found" })}\n`);
      else io.err.write(`no execution with id ${options.id}\n  hint: ids come from \`wfx run\`; records older than the retention period are pruned\n`);
      return EXIT.notFound;
    }
    const live = { ...record, elapsed_time: elapsedNow(record, Date.now()) };
    io.out.write(options.json ? `${JSON.stringify(live)}\n` : `${formatRecord(live)}\n`);
    return EXIT.ok;
  } finally {
    await runtime.close();
  }
}
