import { ConfigError, WorkflowInvalidError } from "./errors.js";
import { formatProblems, type Problem } from "./problems.js";
import { ENVIRONMENT_NAMES, type WorkflowFile } from "./schema.js";
import { suggestionHint } from "./suggest.js";
import { checkWorkflowFile } from "./validate.js";
import { isRecord } from "./validate-context.js";

type Named = { id: string };

function mergeById<T extends Named>(base: readonly T[] | undefined, overlay: readonly T[] | undefined): T[] | undefined {
  if (overlay === undefined) return base === undefined ? undefined : [...base];
  const merged = [...(base ?? [])];
  for (const entry of overlay) {
    const at = merged.findIndex((e) => e.id === entry.id);
    if (at === -1) merged.push(entry);
    else merged[at] = entry;
  }
  return merged;
}

const overlaid = new WeakMap<WorkflowFile, Map<string, WorkflowFile>>();

/**
 * The file as seen in one environment: the `development:` / `staging:` / `production:` section laid over it.
 * Agents and tools with the same id, and workflows with the same name, are replaced whole (a tool that changes
 * type keeps nothing of the old one). The same file and name give the same object, so compiled plans are reused.
 */
export function applyEnvironment(file: WorkflowFile, environment: string | undefined): WorkflowFile {
  if (environment === undefined || environment === "") return file;
  if (!(ENVIRONMENT_NAMES as readonly string[]).includes(environment)) {
    throw new ConfigError("WFX_UNKNOWN_ENVIRONMENT", `unknown environment '${environment}'`, { hint: suggestionHint(environment, ENVIRONMENT_NAMES, "environments") });
  }
  const section = file[environment as (typeof ENVIRONMENT_NAMES)[number]];
  if (section === undefined) return file;
  let byName = overlaid.get(file);
  if (byName === undefined) overlaid.set(file, (byName = new Map()));
  const cached = byName.get(environment);
  if (cached !== undefined) return cached;
  const result: WorkflowFile = { workflows: { ...file.workflows, ...section.workflows } };
  const agents = mergeById(file.agents, section.agents);
  const tools = mergeById(file.tools, section.tools);
  if (agents !== undefined) result.agents = agents;
  if (tools !== undefined) result.tools = tools;
  byName.set(environment, result);
  return result;
}

/**
 * Objects merge key by key, anything else (lists included) is replaced. Keys are the caller's, so they are read as own
 * properties and defined as data (a `__proto__` key must not read Object.prototype or set the result's prototype).
 */
export function deepMerge(base: unknown, patch: unknown): unknown {
  if (!isRecord(base) || !isRecord(patch)) return patch;
  const out: Record<string, unknown> = { ...base };
  for (const [key, value] of Object.entries(patch)) {
    if (value === undefined) continue;
    Object.defineProperty(out, key, { value: deepMerge(Object.hasOwn(out, key) ? out[key] : undefined, value), enumerable: true, writable: true, configurable: true });
  }
  return out;
}

const OVERRIDABLE = ["agents", "tools", "workflows"] as const;

/**
 * Every string of an override holding `${`, as a problem naming its path. An override is data, but the file's own
 * `${NAME}` are filled in from the node's environment where the run builds its agents and tools, after the merge: a
 * `${` an override brought would be filled in with them, so it is refused (walked with a stack: it may be deep).
 */
export function overrideReferenceProblems(override: unknown): Problem[] {
  const problems: Problem[] = [];
  const stack: [unknown, string][] = [[override, "config_override"]];
  while (stack.length > 0) {
    const [item, at] = stack.pop()!;
    if (typeof item === "string") {
      if (item.includes("${")) problems.push({ code: "WFX_OVERRIDE_NOT_DATA", path: at, message: "holds '${': config_override values are data and are never filled in (from the node's environment or anything else)", hint: "write the value itself; only the operator's workflow file may name the node's variables" });
    } else if (Array.isArray(item)) item.forEach((v, i) => stack.push([v, `${at}[${i}]`]));
    else if (isRecord(item)) for (const [k, v] of Object.entries(item)) stack.push([v, `${at}.${k}`]);
  }
  return problems.reverse();
}

/**
 * `config_override` of an execute request: `{agents: {<id>: {model: ..., timeout: ...}}, tools: {<id>: {...}},
 * workflows: {<name>: {...}}}`, deep-merged onto the entries it names. Naming something the file lacks, or a section
 * this runtime does not have, is a problem; the merged file is validated again.
 */
export function applyConfigOverride(file: WorkflowFile, override: unknown): { file?: WorkflowFile; problems: Problem[] } {
  const problems: Problem[] = [];
  const report = (code: Problem["code"], path: string, message: string, hint: string) => problems.push({ code, path: `config_override.${path}`, message, hint });
  if (!isRecord(override)) {
    report("WFX_INVALID_TYPE", "", "config_override must be a mapping", "pass e.g. { agents: { analyzer: { model: gpt-4o-mini } } }");
    return { problems };
  }
  const notData = overrideReferenceProblems(override);
  if (notData.length > 0) return { problems: notData };
  const data = structuredClone(file) as Record<string, unknown>;
  for (const [section, patch] of Object.entries(override)) {
    if (!(OVERRIDABLE as readonly string[]).includes(section)) {
      report("WFX_UNKNOWN_KEY", section, `config_override cannot change '${section}'`, `it may change ${OVERRIDABLE.join(", ")} (keyed by id or name); this runtime has no '${section}' section`);
      continue;
    }
    if (!isRecord(patch)) {
      report("WFX_INVALID_TYPE", section, `config_override.${section} must map ${section === "workflows" ? "names" : "ids"} to changes`, `write ${section}: { <${section === "workflows" ? "name" : "id"}>: { ... } }`);
      continue;
    }
    for (const [name, change] of Object.entries(patch)) {
      if (section === "workflows") {
        const workflows = data["workflows"] as Record<string, unknown>;
        if (!Object.hasOwn(workflows, name)) report("WFX_UNKNOWN_WORKFLOW", `${section}.${name}`, `unknown workflow '${name}'`, suggestionHint(name, Object.keys(workflows), "workflows"));
        else workflows[name] = deepMerge(workflows[name], change);
        continue;
      }
      const list = (data[section] ?? []) as Named[];
      const at = list.findIndex((e) => e.id === name);
      if (at === -1) {
        report(section === "agents" ? "WFX_UNKNOWN_AGENT" : "WFX_UNKNOWN_TOOL", `${section}.${name}`, `unknown ${section.slice(0, -1)} '${name}'`, suggestionHint(name, list.map((e) => e.id), section));
      } else {
        list[at] = { ...(deepMerge(list[at], change) as Named), id: name };
      }
    }
  }
  if (problems.length > 0) return { problems };
  return checkWorkflowFile(data, undefined, { checkFunctionFiles: false });
}

/** What an execute request may change about the file it runs: the environment section, then `config_override`. */
export interface WorkflowFileAdjustments {
  environment?: string | undefined;
  configOverride?: unknown;
}

/** The file an execution runs, or a `WorkflowInvalidError` listing what is wrong with the adjustments. */
export function adjustWorkflowFile(file: WorkflowFile, adjustments: WorkflowFileAdjustments, sourceName = "<request>"): WorkflowFile {
  const inEnvironment = applyEnvironment(file, adjustments.environment);
  if (adjustments.configOverride === undefined || adjustments.configOverride === null) return inEnvironment;
  const notData = overrideReferenceProblems(adjustments.configOverride);
  if (notData.length > 0) throw new WorkflowInvalidError(sourceName, notData, formatProblems(notData, sourceName), "WFX_OVERRIDE_NOT_DATA");
  const result = applyConfigOverride(inEnvironment, adjustments.configOverride);
  if (result.file === undefined) throw new WorkflowInvalidError(sourceName, result.problems, formatProblems(result.problems, sourceName));
  return result.file;
}
