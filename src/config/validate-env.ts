import { AGENT_FIELDS_FILLED_IN, substituteSecretsDeep, TOOL_FIELDS_FILLED_IN } from "./secrets.js";
import { asRecord, type CheckContext } from "./validate-context.js";
import type { YamlPath } from "./yaml-location.js";

/**
 * With an environment to check against, every `${NAME}` a tool or an agent would be filled in with must be set there:
 * an unset one is reported where it is written, not met at run time as a path or URL with a hole in it.
 */
export function checkEnvVariables(tools: readonly unknown[], agents: readonly unknown[], prefix: YamlPath, ctx: Pick<CheckContext, "sink" | "options">): void {
  const env = ctx.options.env;
  if (env === undefined) return;
  const check = (entries: readonly unknown[], section: string, fields: readonly string[]) =>
    entries.forEach((raw, i) => {
      const entry = asRecord(raw);
      for (const field of fields) {
        if (entry?.[field] === undefined) continue;
        for (const unset of substituteSecretsDeep(entry[field], env, [...prefix, section, i, field]).missing) {
          ctx.sink.report("WFX_ENV_UNSET", unset.path, `names the variable ${unset.name}, which is not set in the environment`, `set ${unset.name} before running (export ${unset.name}=…), or write the value itself ($\${ writes a literal \${)`);
        }
      }
    });
  check(tools, "tools", TOOL_FIELDS_FILLED_IN);
  check(agents, "agents", AGENT_FIELDS_FILLED_IN);
}
