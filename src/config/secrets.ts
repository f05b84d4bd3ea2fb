/** `${env.NAME}` or `${NAME}` in a tool's settings, command, args, headers or URL, or an agent's endpoint: filled in from the environment. */
const SECRET_PATTERN = /\$\{(?:env\.)?([A-Za-z_][A-Za-z0-9_]*)\}/g;

export interface SubstitutedText {
  value: string;
  /** Variables the text names that the environment does not set (they become empty text). */
  missing: string[];
}

/** Replaces every `${NAME}` / `${env.NAME}` with the variable's value; `$${` stays a literal `${`. */
export function substituteSecrets(text: string, env: Readonly<Record<string, string | undefined>>): SubstitutedText {
  const missing: string[] = [];
  const parts = text.split("$${");
  const value = parts
    .map((part) =>
      part.replace(SECRET_PATTERN, (_, name: string) => {
        // Own variables only: `${constructor}` must not find Object's.
        const found = Object.hasOwn(env, name) ? env[name] : undefined;
        if (found === undefined) missing.push(name);
        return found ?? "";
      }),
    )
    .join("${");
  return { value, missing };
}

/** Names of the variables a value (any JSON-like data) refers to with `${NAME}` or `${env.NAME}`. */
export function secretNames(value: unknown): string[] {
  const names = new Set<string>();
  for (const match of (JSON.stringify(value) ?? "").matchAll(SECRET_PATTERN)) names.add(match[1]!);
  return [...names];
}

/** Tool fields whose strings are filled in when the tool is built (`mcp_url` and `headers` are filled at each call). */
export const TOOL_FIELDS_FILLED_AT_BUILD = ["settings", "command", "args"] as const;
/** Every tool field filled in from the environment. */
export const TOOL_FIELDS_FILLED_IN: readonly string[] = [...TOOL_FIELDS_FILLED_AT_BUILD, "mcp_url", "headers"];
/** Agent fields filled in from the environment (see resolveAgentEndpoint); the others are prose for the model or ids. */
export const AGENT_FIELDS_FILLED_IN: readonly string[] = ["base_url", "api_key", "model"];

/** A variable a value names that the environment does not set, and where: the path of the string naming it. */
export interface UnsetVariable {
  name: string;
  path: readonly (string | number)[];
}

/** `value` (any JSON-like data) with `${NAME}` / `${env.NAME}` filled in in every string, and the unset ones it names. */
export function substituteSecretsDeep(value: unknown, env: Readonly<Record<string, string | undefined>>, path: readonly (string | number)[] = []): { value: unknown; missing: UnsetVariable[] } {
  const missing: UnsetVariable[] = [];
  // Operator files only: their depth is bounded by the loader (maxDepth), so recursion is safe here.
  const walk = (item: unknown, at: readonly (string | number)[]): unknown => {
    if (typeof item === "string") {
      const filled = substituteSecrets(item, env);
      for (const name of filled.missing) missing.push({ name, path: at });
      return filled.value;
    }
    if (Array.isArray(item)) return item.map((v, i) => walk(v, [...at, i]));
    if (item !== null && typeof item === "object") return Object.fromEntries(Object.entries(item).map(([k, v]) => [k, walk(v, [...at, k])]));
    return item;
  };
  return { value: walk(value, path), missing };
}
