import { formatYamlPath, substituteSecrets, substituteSecretsDeep, TOOL_FIELDS_FILLED_AT_BUILD } from "../config/index.js";
import { ToolError } from "./errors.js";

type Env = Readonly<Record<string, string | undefined>>;

/** `raw` with its `${NAME}` secrets filled in from `env`; `what` (e.g. "mcp_url") names it when a variable is not set. */
export function withToolSecrets(raw: string, env: Env, what: string, toolId: string): string {
  const { value, missing } = substituteSecrets(raw, env);
  if (missing.length > 0) throw new ToolError("WFX_TOOL_SECRET_MISSING", `${what} of tool '${toolId}' needs ${missing.join(", ")}, which is not set`, { hint: `set ${missing.join(", ")} in the environment` });
  return value;
}

/** A tool's configured headers with their secrets filled in; refused whole when one names an unset variable. */
export function secretHeaders(headers: Readonly<Record<string, string>>, env: Env, toolId: string): Record<string, string> {
  return Object.fromEntries(Object.entries(headers).map(([name, raw]) => [name, withToolSecrets(raw, env, `header '${name}'`, toolId)]));
}

/**
 * An operator's tool definition with `${NAME}` filled in in every string of its settings, command and args; refused
 * naming the field when one names an unset variable. (Callers' definitions are never filled in: their env is empty.)
 */
export function definitionWithSecrets<D extends { id: string; [key: string]: unknown }>(definition: D, env: Env): D {
  const out: Record<string, unknown> = { ...definition };
  for (const field of TOOL_FIELDS_FILLED_AT_BUILD) {
    if (definition[field] === undefined) continue;
    const { value, missing } = substituteSecretsDeep(definition[field], env, [field]);
    const first = missing[0];
    if (first !== undefined) {
      const names = [...new Set(missing.map((m) => m.name))];
      throw new ToolError("WFX_TOOL_SECRET_MISSING", `${formatYamlPath(first.path)} of tool '${definition.id}' needs ${names.join(", ")}, which ${names.length === 1 ? "is" : "are"} not set`, { hint: `set ${names.join(", ")} in the environment, or write the value itself` });
    }
    out[field] = value;
  }
  return out as D;
}
