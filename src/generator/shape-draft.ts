import type { DescriptionReading } from "./description-reading.js";
import { listingPattern } from "./fan-out.js";
import { ROLES } from "./roles.js";
import type { WorkflowDraft } from "./template-planner.js";
import type { ExplanationEntry } from "./types.js";

type Agent = Record<string, unknown> & { tools?: string[] };
type Tool = Record<string, unknown> & { id: string; type: string; settings?: Record<string, unknown> };
type Workflow = WorkflowDraft["workflows"][string] & { placement?: unknown; inputs?: unknown };

const ROOTED = ["filesystem", "codebase_indexer"];
const LISTER = "list_files";

function slug(path: string): string {
  return path.replace(/[^A-Za-z0-9]+/g, "_").replace(/^_+|_+$/g, "").toLowerCase() || "files";
}

function offer(agent: Agent, toolId: string): void {
  agent.tools = [...new Set([...(agent.tools ?? []), toolId])];
}

/**
 * Fits a template draft to what the description asks: the placement, a fan-out over what an earlier step lists, rooted
 * tools at the named folders, a write of the named output file, http and mcpremote tools for the named URLs. Returns,
 * for each part it shaped, the words it came from.
 */
export function shapeDraft(draft: WorkflowDraft, reading: DescriptionReading): ExplanationEntry[] {
  const explanation: ExplanationEntry[] = [];
  const name = Object.keys(draft.workflows)[0]!;
  const workflow = draft.workflows[name] as Workflow;
  const steps = workflow.steps;
  const agents = draft.agents as Agent[];
  const agentOf = (step: Record<string, unknown>) => agents.find((a) => a["id"] === step["agent"]);
  const first = steps.filter((s) => s["input"] === "${user_input}");
  const firstAgents = first.map(agentOf).filter((a): a is Agent => a !== undefined);
  let tools = (draft.tools ?? []) as Tool[];
  const declare = (tool: Tool, words: string) => {
    tools = [...tools.filter((t) => t.id !== tool.id), tool];
    explanation.push({ part: `tool ${tool.id}`, words });
  };

  const { inputs, output, urls } = reading.places;
  const [main, ...more] = inputs;
  if (main !== undefined) {
    for (const type of ROOTED) {
      if (type === "filesystem" || tools.some((t) => t.type === type)) declare({ id: type, type, settings: { root: main.path } }, main.words);
    }
    if (!agents.some((a) => a.tools?.includes("filesystem"))) firstAgents.forEach((a) => offer(a, "filesystem"));
  } else {
    tools.filter((t) => ROOTED.includes(t.type)).forEach((t) => explanation.push({ part: `tool ${t.id}`, words: "(the workflow's own folder: the description names none)" }));
  }
  for (const folder of more) {
    const id = `${slug(folder.path)}_files`;
    declare({ id, type: "filesystem", settings: { root: folder.path } }, folder.words);
    firstAgents.forEach((a) => offer(a, id));
  }

  const web = urls.filter((u) => !u.mcp);
  if (web.length > 0) {
    declare({ id: "http", type: "http", settings: { allow_hosts: [...new Set(web.map((u) => u.host))] } }, web.map((u) => u.words).join(", "));
    if (!agents.some((a) => a.tools?.includes("http"))) firstAgents.forEach((a) => offer(a, "http"));
  } else {
    tools = tools.filter((t) => t.type !== "http");
    for (const a of agents) {
      if (!a.tools?.includes("http")) continue;
      a.tools = a.tools.filter((t) => t !== "http");
      if (a.tools.length === 0) delete a.tools;
    }
  }
  urls.filter((u) => u.mcp).forEach((u, i) => {
    const id = i === 0 ? "mcp" : `mcp_${i + 1}`;
    declare({ id, type: "mcpremote", mcp_url: u.url }, u.words);
    firstAgents.forEach((a) => offer(a, id));
  });

  const { placement, mentions } = reading.placement;
  if (placement !== undefined) {
    workflow.placement = placement;
    for (const m of mentions) explanation.push({ part: `placement.${m.kind} ${m.tag}`, words: m.words });
  }

  const fanOut = reading.fanOut;
  // Without a folder to list, the items are the input's only when the first steps read what the clause names.
  const listable = main !== undefined || first.some((s) => ROLES.find((r) => r.id === s["agent"])?.keywords.test(fanOut?.clause ?? "") === true);
  if (fanOut !== undefined && !listable) {
    reading.warnings.push(`'${fanOut.words}' asks for one run per item, but no step lists those items: every step runs once over all of them (name a folder to list, or the items the first step reads)`);
  }
  if (fanOut !== undefined && first.length > 0 && listable) {
    let list = "${input.items}";
    if (main !== undefined) {
      steps.unshift({ id: LISTER, tool: "filesystem", args: { op: "glob", pattern: listingPattern(fanOut) } });
      explanation.push({ part: `step ${LISTER}`, words: `${fanOut.words} … ${main.words}` });
      list = `\${${LISTER}.output.matches}`;
    } else {
      workflow.inputs = { items: `the list to work through: ${first.map((s) => String(s["id"])).join(", ")} runs once per item` };
    }
    for (const step of first) {
      Object.assign(step, { for_each: list, concurrency: fanOut.concurrency, input: "${item}" });
      explanation.push({ part: `step ${String(step["id"])} for_each`, words: fanOut.words });
    }
  }

  if (output !== undefined) {
    declare({ id: "output", type: "filesystem", settings: { root: output.folder } }, output.words);
    const last = steps.at(-1)!;
    steps.push({ id: "save_result", tool: "output", args: { op: "write", path: output.file, content: `\${${String(last["id"])}.output}` } });
    explanation.push({ part: "step save_result", words: output.words });
  }
  if (tools.length > 0) draft.tools = tools;
  else delete draft.tools;
  return explanation;
}
