import { isAbsolute, relative, resolve } from "node:path";
import { BUILTIN_TOOL_TYPES, CALLER_POLICY_SETTING, fileSections, formatProblems, WorkflowInvalidError, type CallerPolicy, type Problem, type WorkflowFile, type WorkflowFileOverlay } from "../config/index.js";
import { hostAllowed } from "../tools/index.js";

/** What a caller's workflow is checked against: the operator's policy, its sandbox folder and the node's own model. */
export interface CallerGrant {
  policy: CallerPolicy;
  /** The token's sandbox folder: the workflow's file lives there and its filesystem roots may not leave it. */
  sandboxDir: string;
  /** The node's own model base URL, which caller agents may name (it is where the node's key goes anyway). */
  nodeModelBaseUrl: string | undefined;
}

const ROOTED_TYPES: readonly string[] = ["filesystem", "codebase_indexer"];
/** Agent fields that are prose for the model, never filled in from anywhere. */
const AGENT_PROSE: readonly string[] = ["system_prompt", "description"];
/** `${` in a tool or agent field is how the node's environment gets read (`${NAME}`, `${env.NAME}`, `$${`…). */
const FILLS_IN = /\$\{/;
/** `${env.X}` in a step, with any spacing or bracket form the template language might accept. */
const ENV_REFERENCE = /\$\{\s*env\s*[.[]/;

function denied(path: string, message: string, hint: string): Problem {
  return { code: "WFX_CALLER_POLICY_DENIED", path, message, hint };
}

/** Every string in `value` with its YAML path, walked with a stack (caller data may be deep). */
function* strings(value: unknown, path: string): Generator<[string, string]> {
  const stack: [unknown, string][] = [[value, path]];
  while (stack.length > 0) {
    const [item, at] = stack.pop()!;
    if (typeof item === "string") yield [item, at];
    else if (Array.isArray(item)) item.forEach((v, i) => stack.push([v, `${at}[${i}]`]));
    else if (item !== null && typeof item === "object") for (const [k, v] of Object.entries(item)) stack.push([v, at === "" ? k : `${at}.${k}`]);
  }
}

function normalBase(url: string): string {
  return url.replace(/\/+$/, "");
}

function checkTool(tool: NonNullable<WorkflowFile["tools"]>[number], at: string, grant: CallerGrant, out: Problem[]): void {
  const { policy } = grant;
  if (!policy.tool_types.includes(tool.type)) {
    out.push(denied(`${at}.type`, `tool type '${tool.type}' is not granted to workflows sent by callers`, `granted types: ${policy.tool_types.join(", ") || "(none)"}; only the operator can add one (${CALLER_POLICY_SETTING.tool_types})`));
    return;
  }
  for (const [text, path] of strings(tool, at)) {
    if (FILLS_IN.test(text)) out.push(denied(path, "would be filled in from the node's environment; workflows sent by callers may not read it", "write the value itself, or pass it in input_data"));
  }
  const settings = tool.settings ?? {};
  if (ROOTED_TYPES.includes(tool.type) && settings["root"] !== undefined) {
    const rel = relative(grant.sandboxDir, resolve(grant.sandboxDir, String(settings["root"])));
    if (rel.startsWith("..") || isAbsolute(rel)) out.push(denied(`${at}.settings.root`, `root ${String(settings["root"])} is outside the caller's sandbox folder`, "use a relative root inside the sandbox folder (or leave root out)"));
  }
  if (tool.type === "http") checkHttpTool(tool, at, policy, out);
  if (tool.type === "mcpremote") checkMcpTool(tool, at, policy, out);
}

/** Whether a caller's allow_hosts entry grants nothing the operator's list does not: listed as is, or one exact host it covers. */
function narrows(entry: string, operator: readonly string[]): boolean {
  if (operator.includes("*") || operator.map((e) => e.toLowerCase()).includes(entry.toLowerCase())) return true;
  if (entry.includes("*")) return false;
  try {
    return hostAllowed(new URL(`http://${entry}`), operator);
  } catch {
    return false;
  }
}

function checkHttpTool(tool: NonNullable<WorkflowFile["tools"]>[number], at: string, policy: CallerPolicy, out: Problem[]): void {
  const hint = `hosts the operator grants callers: ${policy.http_hosts.join(", ") || "(none)"}; only the operator can add one (${CALLER_POLICY_SETTING.http_hosts})`;
  const settings = tool.settings ?? {};
  const wanted = Array.isArray(settings["allow_hosts"]) ? (settings["allow_hosts"] as unknown[]).map(String) : [];
  wanted.forEach((entry, i) => {
    // A caller's entry may narrow the operator's list, never widen it: it must itself be one the operator allows.
    if (!narrows(entry, policy.http_hosts)) out.push(denied(`${at}.settings.allow_hosts[${i}]`, `'${entry}' is not among the hosts the node grants callers`, hint));
  });
  if (typeof settings["base_url"] === "string") {
    let url: URL | undefined;
    try {
      url = new URL(settings["base_url"]);
    } catch {
      return;
    }
    if (!hostAllowed(url, policy.http_hosts)) out.push(denied(`${at}.settings.base_url`, `${url.host} is not among the hosts the node grants callers`, hint));
  }
  if (policy.http_hosts.length === 0) out.push(denied(`${at}.type`, "the node grants callers' http tools no hosts", hint));
}

function checkMcpTool(tool: NonNullable<WorkflowFile["tools"]>[number], at: string, policy: CallerPolicy, out: Problem[]): void {
  for (const key of ["command", "args"] as const) {
    if (tool[key] !== undefined) out.push(denied(`${at}.${key}`, "workflows sent by callers may not start processes on the node (stdio MCP servers)", `use mcp_url with a server the operator lists (${CALLER_POLICY_SETTING.mcp_servers})`));
  }
  for (const key of ["env", "cwd"]) {
    if (tool.settings?.[key] !== undefined) out.push(denied(`${at}.settings.${key}`, "is for stdio MCP servers, which workflows sent by callers may not start", "leave it out and use mcp_url"));
  }
  if (tool.mcp_url === undefined) return;
  let href = tool.mcp_url;
  try {
    href = new URL(tool.mcp_url).href;
  } catch {
    // Left as written: it matches no listed server.
  }
  if (!policy.mcp_servers.includes(href)) out.push(denied(`${at}.mcp_url`, `${tool.mcp_url} is not among the MCP servers the node grants callers`, `granted servers: ${policy.mcp_servers.join(", ") || "(none)"}; only the operator can add one (${CALLER_POLICY_SETTING.mcp_servers})`));
}

function checkAgent(agent: NonNullable<WorkflowFile["agents"]>[number], at: string, grant: CallerGrant, out: Problem[]): void {
  for (const [key, value] of Object.entries(agent)) {
    if (AGENT_PROSE.includes(key)) continue;
    for (const [text, path] of strings(value, `${at}.${key}`)) {
      if (FILLS_IN.test(text)) out.push(denied(path, "would be filled in from the node's environment; workflows sent by callers may not read it", "write the value itself, or leave it out to use the node's model endpoint"));
    }
  }
  if (agent.base_url === undefined) return;
  const allowed = [grant.nodeModelBaseUrl, ...grant.policy.model_endpoints].filter((u) => u !== undefined).map(normalBase);
  if (!allowed.includes(normalBase(agent.base_url))) {
    out.push(denied(`${at}.base_url`, `model endpoint ${agent.base_url} is not one the node grants callers`, `leave base_url out to use the node's model endpoint, or use one of: ${grant.policy.model_endpoints.join(", ") || "(none listed)"} (${CALLER_POLICY_SETTING.model_endpoints})`));
  }
}

function checkSection(section: WorkflowFileOverlay, prefix: string, grant: CallerGrant, declared: ReadonlySet<string>, out: Problem[]): void {
  (section.tools ?? []).forEach((tool, i) => checkTool(tool, `${prefix}tools[${i}]`, grant, out));
  (section.agents ?? []).forEach((agent, i) => checkAgent(agent, `${prefix}agents[${i}]`, grant, out));
  const builtinUse = (name: string, path: string) => {
    if (declared.has(name) || !(BUILTIN_TOOL_TYPES as readonly string[]).includes(name) || grant.policy.tool_types.includes(name)) return;
    out.push(denied(path, `the built-in tool '${name}' is not granted to workflows sent by callers`, `granted types: ${grant.policy.tool_types.join(", ") || "(none)"} (${CALLER_POLICY_SETTING.tool_types})`));
  };
  (section.agents ?? []).forEach((agent, i) => agent.tools?.forEach((name, j) => builtinUse(name, `${prefix}agents[${i}].tools[${j}]`)));
  for (const [name, workflow] of Object.entries(section.workflows ?? {})) {
    workflow.steps.forEach((step, i) => {
      const at = `${prefix}workflows.${name}.steps[${i}]`;
      if (step.function !== undefined) out.push(denied(`${at}.function`, "workflows sent by callers may not run function modules", "put the workflow in a file in one of the node's workflow directories and run it by workflow_name"));
      if (step.tool !== undefined) builtinUse(step.tool, `${at}.tool`);
      step.tools?.forEach((tool, j) => builtinUse(tool, `${at}.tools[${j}]`));
      for (const [text, path] of strings(step, at)) {
        if (ENV_REFERENCE.test(text)) out.push(denied(path, "reads the node's environment (${env.…}); workflows sent by callers may not", "pass the value in input_data instead"));
      }
    });
  }
}

/** Every way a caller's workflow (all its environment sections) asks for more than the operator's policy grants. */
export function callerPolicyProblems(file: WorkflowFile, grant: CallerGrant): Problem[] {
  const out: Problem[] = [];
  const sections = fileSections(file);
  const declared = new Set(sections.flatMap(([s]) => (s.tools ?? []).map((t) => t.id)));
  for (const [section, prefix] of sections) checkSection(section, prefix, grant, declared, out);
  return out;
}

/** Throws WorkflowInvalidError (every problem at once, code WFX_CALLER_POLICY_DENIED) when the policy refuses the file. */
export function enforceCallerPolicy(file: WorkflowFile, grant: CallerGrant, origin: string): void {
  const problems = callerPolicyProblems(file, grant);
  if (problems.length > 0) throw new CallerPolicyError(origin, problems);
}

/** A caller's workflow asks for what the operator's policy does not grant; carries each refusal with its YAML path. */
export class CallerPolicyError extends WorkflowInvalidError {
  override name = "CallerPolicyError";
  constructor(origin: string, problems: Problem[]) {
    super(origin, problems, formatProblems(problems, origin), "WFX_CALLER_POLICY_DENIED");
  }
}
