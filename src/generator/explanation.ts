import type { WorkflowDraft } from "./template-planner.js";
import type { ExplanationEntry } from "./types.js";

/**
 * The explanation of a finished draft: the entries given (by the shaping, or the model), then one for every step and
 * tool still without one, from `fallback` (a role's words, "tools_config", …), so each part says where it came from.
 */
export function completeExplanation(draft: WorkflowDraft, given: readonly ExplanationEntry[], fallback: (part: "step" | "tool", id: string, agent: string | undefined) => string): ExplanationEntry[] {
  const entries = [...given];
  const has = (prefix: string) => entries.some((e) => e.part === prefix || e.part.startsWith(`${prefix} `));
  const name = Object.keys(draft.workflows ?? {})[0];
  const steps = name === undefined || !Array.isArray(draft.workflows[name]?.steps) ? [] : draft.workflows[name]!.steps;
  for (const step of steps) {
    const agent = typeof step["agent"] === "string" ? step["agent"] : undefined;
    const id = String(step["id"] ?? agent ?? "");
    if (!has(`step ${id}`)) entries.push({ part: `step ${id}`, words: fallback("step", id, agent) });
  }
  for (const tool of Array.isArray(draft.tools) ? draft.tools : []) {
    const id = String(tool["id"]);
    if (!has(`tool ${id}`)) entries.push({ part: `tool ${id}`, words: fallback("tool", id, undefined) });
  }
  return entries;
}

/** `wfx generate`'s view of it: one line a part. */
export function explanationLines(entries: readonly ExplanationEntry[]): string[] {
  const width = Math.max(0, ...entries.map((e) => e.part.length));
  return entries.map((e) => `  ${e.part.padEnd(width)}  <- ${e.words.startsWith("(") ? e.words : `"${e.words}"`}`);
}
