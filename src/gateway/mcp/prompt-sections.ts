import type { ExecutionAnswer, ExecutionEventAnswer, ListNodesAnswer } from "../operations/index.js";
import type { ExecutionFact, WorkflowFact } from "./node-facts.js";

/** Events a prompt quotes at most (the latest ones): enough to see what happened without flooding the host's context. */
const EVENTS_QUOTED = 40;

function errorLine(error: { code: string; message: string; hint?: string | undefined }): string {
  return `${error.code}: ${error.message}${error.hint === undefined ? "" : `\n    hint: ${error.hint}`}`;
}

export function workflowList(workflows: readonly WorkflowFact[]): string {
  if (workflows.length === 0) return "This node offers you no workflows (none in its directories, or your token is limited to others).";
  const lines = workflows.map((w) => `- ${w.name}${w.steps === undefined ? "" : ` (${w.steps} step${w.steps === 1 ? "" : "s"})`}${w.description === undefined ? "" : `: ${w.description}`}`);
  return `Workflows this node offers you (${workflows.length}):\n${lines.join("\n")}`;
}

export function workflowFile(name: string, yaml: string): string {
  return `The workflow '${name}' is defined in this file (resource wfx://workflows/${encodeURIComponent(name)}):\n\`\`\`yaml\n${yaml.trimEnd()}\n\`\`\``;
}

export function nodeList(nodes: ListNodesAnswer["nodes"]): string {
  if (nodes.length === 0) return "No node is available to you.";
  return `Nodes you may place work on:\n${nodes.map((n) => `- ${n.id}: tags [${n.tags.join(", ")}], load ${n.load}/${n.capacity}`).join("\n")}`;
}

function eventLine(event: ExecutionEventAnswer): string {
  const data = event.data as { error?: { code: string; message: string; hint?: string }; delay_ms?: number } | undefined;
  const where = event.step === undefined ? "" : ` ${event.step}${event.attempt === undefined ? "" : ` (attempt ${event.attempt})`}`;
  const error = data?.error === undefined ? "" : ` — ${data.error.code}: ${data.error.message}${data.error.hint === undefined ? "" : ` (hint: ${data.error.hint})`}`;
  return `#${event.seq} ${event.type}${where}${error}`;
}

function stepLines(record: ExecutionAnswer): string[] {
  return (record.steps ?? []).map((s) => `- ${s.id}: ${s.status}, ${s.attempts} attempt${s.attempts === 1 ? "" : "s"}, on ${s.node}${s.error === undefined ? "" : `\n    ${errorLine(s.error)}`}`);
}

/** The record in words: status, progress, each step, and the failure with its hint when there is one. */
export function executionSummary(record: ExecutionAnswer): string {
  const lines = [
    `Execution ${record.execution_id} of workflow '${record.workflow_name ?? "?"}' (${record.execution_mode ?? "?"} mode, node ${record.node ?? "?"}): ${record.status}.`,
    record.message,
  ];
  if (record.progress !== undefined) lines.push(`Progress: ${record.progress.completed_steps} of ${record.progress.total_steps} steps done${record.progress.current.length > 0 ? `; running now: ${record.progress.current.join(", ")}` : ""}.`);
  if (record.elapsed_time !== undefined) lines.push(`Elapsed: ${record.elapsed_time.toFixed(1)}s.`);
  if (record.error !== undefined) lines.push(`Failure:\n  ${errorLine(record.error)}`);
  const steps = stepLines(record);
  if (steps.length > 0) lines.push(`Steps:\n${steps.join("\n")}`);
  return lines.join("\n");
}

/** The events recorded so far, latest last; failures and retries carry their error and hint. */
export function eventLog(events: readonly ExecutionEventAnswer[]): string {
  if (events.length === 0) return "No events recorded yet.";
  const quoted = events.slice(-EVENTS_QUOTED);
  const skipped = events.length - quoted.length;
  return `Events${skipped > 0 ? ` (the last ${quoted.length}; ${skipped} earlier ones left out)` : ""}:\n${quoted.map(eventLine).join("\n")}`;
}

/** The failures alone: the execution's error and every failed or retried step's, each with its hint. */
export function failures(fact: ExecutionFact): string {
  const found = fact.events.filter((e) => e.type === "step.failed" || e.type === "step.retrying" || e.type === "execution.failed" || e.type === "execution.timeout");
  const lines = found.map(eventLine);
  if (fact.record.error !== undefined) lines.unshift(`The execution ended with ${errorLine(fact.record.error)}`);
  return lines.length === 0 ? `No failure recorded: the execution is ${fact.record.status}.` : `What went wrong:\n${lines.join("\n")}`;
}
