import { isRecord } from "../../config/index.js";
import { InvalidArgumentsError, type ArgumentProblem } from "../errors.js";

/**
 * What a network caller's `config_override` may change. Only tuning knobs: anything that could point a workflow
 * elsewhere (an agent's base_url or key, a tool's root, URL or headers, a workflow's steps) stays as the file's author
 * wrote it. The runtime does the merge itself (and validates the result); this is the gateway's policy in front of it.
 */
export const OVERRIDABLE = Object.freeze({
  agents: ["model", "temperature", "max_tokens", "timeout", "max_turns", "system_prompt"],
  tools: ["timeout", "retry_count"],
  workflows: ["timeout", "description"],
} as const);

type Section = keyof typeof OVERRIDABLE;
type Obj = Record<string, unknown>;

/** Throws InvalidArgumentsError naming each field the override may not touch. */
export function checkOverridePolicy(override: Obj, method: string): void {
  const problems: ArgumentProblem[] = [];
  for (const [section, changes] of Object.entries(override)) {
    // Own keys only: `constructor` or `toString` would otherwise find Object.prototype's members.
    const allowed = Object.hasOwn(OVERRIDABLE, section) ? (OVERRIDABLE[section as Section] as readonly string[]) : undefined;
    const field = `config_override.${section}`;
    if (allowed === undefined) {
      problems.push({ field, message: "cannot be overridden", expected: `one of ${Object.keys(OVERRIDABLE).join(", ")}` });
      continue;
    }
    if (!isRecord(changes)) {
      problems.push({ field, message: "must be an object keyed by id", expected: `{<${section === "workflows" ? "name" : "id"}>: {${allowed.join(", ")}}}` });
      continue;
    }
    for (const [id, change] of Object.entries(changes)) {
      if (!isRecord(change)) {
        problems.push({ field: `${field}.${id}`, message: "must be an object", expected: `an object with any of ${allowed.join(", ")}` });
        continue;
      }
      for (const key of Object.keys(change)) {
        if (!allowed.includes(key)) problems.push({ field: `${field}.${id}.${key}`, message: "cannot be overridden by a request", expected: `one of ${allowed.join(", ")}` });
      }
    }
  }
  if (problems.length === 0) return;
  throw new InvalidArgumentsError({
    method,
    problems,
    required_fields: [],
    optional_fields: ["config_override"],
    example: { config_override: { agents: { analyzer: { model: "gpt-4o-mini", timeout: 120 } }, workflows: { main: { timeout: 300 } } } },
  });
}
