import { substituteSecrets } from "../config/index.js";
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
