import { LineCounter } from "yaml";
import { WorkflowInvalidError } from "./errors.js";
import { findCycles, type Edge } from "./graph.js";
import { loadWorkflowFile, type LoadResult } from "./load.js";
import type { LoadOptions } from "./load-options.js";
import { dedupeProblems, formatProblems, sortProblems, type Problem } from "./problems.js";
import { AGENT_TYPES } from "./builtin-tools.js";
import { ENVIRONMENT_NAMES, normaliseAgentShorthand, type WorkflowFile } from "./schema.js";
import { checkSchema, type SchemaCheck } from "./schema-issues.js";
import { suggestionHint } from "./suggest.js";
import { asArray, asRecord, asString, ProblemSink, type Catalog, type CheckContext } from "./validate-context.js";
import { resolveValidateOptions, type ValidateOptions } from "./validate-options.js";
import { checkConcurrencyKey } from "./validate-concurrency.js";
import { checkEnvVariables } from "./validate-env.js";
import { checkToolReference, checkWorkflowSteps, type WorkflowCall } from "./validate-steps.js";
import type { LoadedSource, YamlPath } from "./yaml-location.js";

/** Declared ids of one kind, reporting repeats. */
function declaredIds(entries: unknown[], path: YamlPath, what: string, sink: ProblemSink): string[] {
  const ids: string[] = [];
  entries.forEach((entry, i) => {
    const id = asString(asRecord(entry)?.["id"]);
    if (id === undefined) return;
    const first = ids.indexOf(id);
    if (first >= 0) sink.report("WFX_DUPLICATE_ID", [...path, i, "id"], `duplicate ${what} id '${id}' (also ${path.join(".")}[${first}])`, `rename one of the two ${what}s`);
    ids.push(id);
  });
  return ids;
}

/** Agents, tools and workflows of one section: the file itself, or an environment overlay seen over it. */
function checkSection(section: Record<string, unknown>, prefix: YamlPath, base: Catalog | undefined, ctx: Omit<CheckContext, "catalog">): Catalog {
  const { sink, options } = ctx;
  const agents = asArray(section["agents"]).map(normaliseAgentShorthand);
  const tools = asArray(section["tools"]);
  const ownAgents = declaredIds(agents, [...prefix, "agents"], "agent", sink);
  const ownTools = declaredIds(tools, [...prefix, "tools"], "tool", sink);
  const workflows = asRecord(section["workflows"]) ?? {};
  const union = (a: readonly string[], b: readonly string[]) => [...new Set([...a, ...b])];
  const agentDefs = new Map(base?.agents);
  for (const raw of agents) {
    const agent = asRecord(raw);
    const id = asString(agent?.["id"]);
    if (agent !== undefined && id !== undefined) agentDefs.set(id, agent);
  }
  const catalog: Catalog = {
    agentIds: union(base?.agentIds ?? [], ownAgents),
    agents: agentDefs,
    toolIds: union(base?.toolIds ?? [], ownTools),
    workflowNames: union(base?.workflowNames ?? [], Object.keys(workflows)),
    toolTypes: options.toolTypes,
  };
  const full: CheckContext = { ...ctx, catalog };

  tools.forEach((raw, i) => {
    const tool = asRecord(raw);
    const type = asString(tool?.["type"]);
    if (tool === undefined || type === undefined) return;
    if (!options.toolTypes.includes(type)) {
      sink.report("WFX_UNKNOWN_TOOL_TYPE", [...prefix, "tools", i, "type"], `unknown tool type '${type}'`, suggestionHint(type, options.toolTypes, "tool types"));
    }
    if (type === "mcpremote" && tool["mcp_url"] === undefined && tool["command"] === undefined) {
      sink.report("WFX_MISSING_FIELD", [...prefix, "tools", i, "mcp_url"], `tool '${String(tool["id"])}' of type mcpremote needs mcp_url (or command, for a server on stdio)`, 'add mcp_url: "http://host:4020/mcp", or command: and args: to start a stdio server');
    }
  });
  checkEnvVariables(tools, agents, prefix, ctx);
  agents.forEach((raw, i) => {
    const agentType = asString(asRecord(raw)?.["agent_type"]);
    if (agentType !== undefined && !(AGENT_TYPES as readonly string[]).includes(agentType)) {
      sink.report("WFX_INVALID_VALUE", [...prefix, "agents", i, "agent_type"], `agent_type '${agentType}' is not a kind of model endpoint this runtime speaks to`, suggestionHint(agentType, AGENT_TYPES, "agent types"));
    }
    asArray(asRecord(raw)?.["tools"]).forEach((t, j) => checkToolReference(t, [...prefix, "agents", i, "tools", j], full));
  });

  const calls: WorkflowCall[] = [];
  for (const [name, raw] of Object.entries(workflows)) {
    const workflow = asRecord(raw);
    if (workflow === undefined) continue;
    calls.push(...checkWorkflowSteps(name, workflow, [...prefix, "workflows", name], full));
    checkConcurrencyKey(workflow, [...prefix, "workflows", name], sink);
  }
  const edges = new Map<string, Edge<YamlPath>[]>();
  for (const call of calls) edges.set(call.from, [...(edges.get(call.from) ?? []), { to: call.to, via: call.path }]);
  for (const cycle of findCycles(Object.keys(workflows), edges)) {
    sink.report("WFX_WORKFLOW_CYCLE", cycle.closing.via, `sub-workflows call each other in a cycle: ${cycle.nodes.join(" -> ")}`, "a sub-workflow cannot (even indirectly) run the workflow that calls it; remove one of these workflow: steps");
  }
  return catalog;
}

function memorySource(): LoadedSource {
  return { path: "<memory>", text: "", lineCounter: new LineCounter() };
}

/** What validating a workflow file found: every problem, or the typed file when there is none. */
export interface WorkflowFileCheck {
  problems: Problem[];
  file?: WorkflowFile;
}

/**
 * Every problem in a workflow file at once: schema problems (unknown keys, types, ranges) and semantic ones
 * (ids, references, dependencies, cycles, function modules), and the typed file when there is none. Accepts the raw
 * parsed data as well as a typed file, so both kinds come out together; `source` maps problems to lines and columns.
 * `schema` is the schema check when the caller has made it already (loading does), so the data is parsed once.
 */
export function checkWorkflowFile(data: WorkflowFile | unknown, source: LoadedSource = memorySource(), options: Partial<ValidateOptions> = {}, schema: SchemaCheck = checkSchema(data, source)): WorkflowFileCheck {
  const resolved = resolveValidateOptions(options);
  const sink = new ProblemSink(source);
  const root = asRecord(data);
  if (root !== undefined) {
    const ctx = { sink, options: resolved, baseDir: resolved.baseDir ?? source.baseDir };
    const base = checkSection(root, [], undefined, ctx);
    for (const env of ENVIRONMENT_NAMES) {
      const overlay = asRecord(root[env]);
      if (overlay !== undefined) checkSection(overlay, [env], base, ctx);
    }
  }
  const problems = sortProblems(dedupeProblems([...schema.problems, ...sink.problems]));
  return problems.length === 0 && schema.file !== undefined ? { problems, file: schema.file } : { problems };
}

/** `checkWorkflowFile`'s problems alone. */
export function validateWorkflowFile(file: WorkflowFile | unknown, source: LoadedSource = memorySource(), options: Partial<ValidateOptions> = {}): Problem[] {
  return checkWorkflowFile(file, source, options).problems;
}

/** Loads, parses and validates; `file` is set only when there is no problem at all. */
export async function loadAndValidate(path: string, options: Partial<LoadOptions & ValidateOptions> = {}): Promise<LoadResult> {
  const loaded = await loadWorkflowFile(path, options);
  if (!("data" in loaded)) return loaded;
  // With data, the load's problems and file are its schema check's.
  const { problems, file } = checkWorkflowFile(loaded.data, loaded.source, options, loaded);
  return file === undefined ? { data: loaded.data, problems, source: loaded.source } : { file, data: loaded.data, problems, source: loaded.source };
}

/** Like `loadAndValidate`, but returns the typed file or throws `WorkflowInvalidError` listing every problem. */
export async function loadValidWorkflowFile(path: string, options: Partial<LoadOptions & ValidateOptions> = {}): Promise<WorkflowFile> {
  const result = await loadAndValidate(path, options);
  if (result.file === undefined) throw new WorkflowInvalidError(path, result.problems, formatProblems(result.problems, path));
  return result.file;
}
