import { applyEvent, countedWork, createRecord, describeUsage, elapsedNow, rebuildRecord, TERMINAL_STATUSES, type ExecutionClient, type ExecutionRecord } from "../../engine/internal.js";
import { EXIT } from "../exit-codes.js";
import { traceUrlOf } from "../../observability/index.js";
import type { Io } from "../io.js";
import type { ClusterKeyFlags } from "../cluster-key-flags.js";
import { withClient } from "../open-runtime.js";
import { reportOutcome } from "../outcome.js";
import { createProgressView, viewKindFor } from "../progress-view.js";
import { unknownExecutionHint } from "../unknown-execution.js";

/** The trace id, and where to see it when the operator names a trace viewer (`https://jaeger.example/trace/{trace_id}`). */
function traceLink(traceId: string, template: string | undefined): string {
  return template === undefined || template === "" ? traceId : `${traceId} (${traceUrlOf(template, traceId)})`;
}

/** For people: one field per line, then the steps; `elapsed_time` is as of now for a running execution. */
function formatRecord(record: ExecutionRecord): string {
  const lines = [
    `execution_id: ${record.execution_id}`,
    `workflow:     ${record.workflow_name}${record.workflow_file ? ` (${record.workflow_file})` : ""}`,
    `mode:         ${record.execution_mode}`,
    `status:       ${record.status}`,
    ...(record.priority === undefined ? [] : [`priority:     ${record.priority}`]),
    `progress:     ${record.progress.message}`,
    ...(record.queue === undefined ? [] : [`queue:        position ${record.queue.position}, priority ${record.queue.priority}, key ${record.queue.key}: ${record.queue.reason}`]),
    `started:      ${new Date(record.start_time * 1000).toISOString()}`,
    `elapsed:      ${record.elapsed_time.toFixed(2)}s`,
    "steps:",
    ...record.steps.map((s) => `  ${s.status.padEnd(9)} ${s.id}${s.attempts > 1 ? ` (attempts: ${s.attempts})` : ""}${s.error ? `: ${s.error.message}` : ""}${countedWork(s.usage) ? ` [${describeUsage(s.usage!)}]` : ""}`),
  ];
  if (record.trace_id !== undefined) lines.splice(lines.indexOf("steps:"), 0, `trace:        ${traceLink(record.trace_id, process.env["WFX_TRACE_URL_TEMPLATE"])}`);
  if (record.usage !== undefined) lines.push(`usage:        ${describeUsage(record.usage)}`);
  for (const [model, share] of Object.entries(record.usage?.by_model ?? {})) {
    lines.push(`  ${model}: ${share.total_tokens.toLocaleString("en-US")} tokens (${share.prompt_tokens.toLocaleString("en-US")} prompt + ${share.completion_tokens.toLocaleString("en-US")} completion) in ${share.calls} call${share.calls === 1 ? "" : "s"}${share.unknown_usage_calls > 0 ? `, ${share.unknown_usage_calls} without usage` : ""}`);
  }
  if (record.error) lines.push(`error:        ${record.error.message}`);
  if (record.status === "completed") lines.push(`result:       ${JSON.stringify(record.result)}`);
  return lines.join("\n");
}

/**
 * `--follow`: the execution's events from the first, then live until it ends, shown as `wfx run` shows them (it may
 * run in another process: a `--mode async` background run). Ctrl-C stops following; the execution goes on.
 */
export async function follow(client: ExecutionClient, record: ExecutionRecord, json: boolean, io: Io): Promise<number> {
  const view = createProgressView(viewKindFor(json, io), io);
  // The view wants the record as of each event: fold the events onto a fresh one, as the engine does.
  const folded = createRecord({ executionId: record.execution_id, workflowName: record.workflow_name, mode: record.execution_mode, node: record.node, stepIds: record.steps.map((s) => s.id), startMs: record.start_time * 1000 });
  const stop = new AbortController();
  const onSigint = () => stop.abort();
  process.once("SIGINT", onSigint);
  const final = (await client.watch(record.execution_id, 0, (event) => view.onEvent(event, applyEvent(folded, event)), stop.signal)) ?? folded;
  process.off("SIGINT", onSigint);
  view.end(final);
  if (stop.signal.aborted) return EXIT.interrupted;
  return reportOutcome(final, json, io);
}

/**
 * A running execution as of its last stored event. The stored record is a snapshot its owner rewrites now and then
 * (at start, after some completed steps), so on its own it shows a running step as pending.
 */
async function asOfLastEvent(client: ExecutionClient, record: ExecutionRecord): Promise<ExecutionRecord> {
  if (TERMINAL_STATUSES.has(record.status)) return record;
  const rebuilt = rebuildRecord(record, await client.events(record.execution_id));
  return record.started_by === undefined ? rebuilt : { ...rebuilt, started_by: record.started_by };
}

export async function statusCommand(options: { id: string; json: boolean; follow?: boolean; dataDir?: string; nats?: string[]; clusterKey?: ClusterKeyFlags }, io: Io): Promise<number> {
  return withClient(options.dataDir, async (client) => {
    const record = await client.status(options.id);
    if (!record) {
      if (options.json) io.out.write(`${JSON.stringify({ execution_id: options.id, status: "not_found" })}\n`);
      else io.err.write(`no execution with id ${options.id}\n  hint: ${unknownExecutionHint(options.nats, options.dataDir)}\n`);
      return EXIT.notFound;
    }
    if (options.follow) return await follow(client, record, options.json, io);
    const current = await asOfLastEvent(client, record);
    const live = { ...current, elapsed_time: elapsedNow(current, Date.now()) };
    io.out.write(options.json ? `${JSON.stringify(live)}\n` : `${formatRecord(live)}\n`);
    return EXIT.ok;
  }, options.nats, options.clusterKey);
}
