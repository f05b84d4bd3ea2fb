/** `${env.NAME}` or `${NAME}` inside a tool's headers, URL or an agent's key: secrets come from the environment. */
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
