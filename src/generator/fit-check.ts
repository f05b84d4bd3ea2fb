import type { DescriptionReading } from "./description-reading.js";
import type { WorkflowDraft } from "./template-planner.js";
import type { CapabilityNode, GenerationProblem } from "./types.js";

/** A workflow that does not do what its description asks; sent back to the model, a warning if it stays. */
export const UNFIT = "WFX_GENERATION_UNFIT";
/** A placement no node can satisfy: it would wait for a node that is not there, so it is never returned. */
export const UNPLACEABLE = "WFX_GENERATION_UNPLACEABLE";

type Placement = { tags?: unknown; prefer?: unknown; avoid?: unknown };
type Step = Record<string, unknown> & { placement?: Placement };
type Tool = { id?: unknown; type?: unknown; mcp_url?: unknown; settings?: { root?: unknown; allow_hosts?: unknown } };

const strings = (v: unknown): string[] => (Array.isArray(v) ? v.map((x) => (typeof x === "object" && x !== null ? String((x as { tag?: unknown }).tag) : String(x))) : []);
const normal = (path: string) => path.replace(/\/+$/, "").replace(/^\.\/(?=.)/, "");

/** Every way a draft (a model's, most often) misses what the description asks, or asks nodes for what none offers. */
export function fitProblems(draft: WorkflowDraft, reading: DescriptionReading, nodes: readonly CapabilityNode[] | undefined): GenerationProblem[] {
  const problems: GenerationProblem[] = [];
  const name = Object.keys(draft.workflows ?? {})[0];
  const workflow = name === undefined ? undefined : (draft.workflows[name] as { placement?: Placement; steps?: Step[] });
  if (workflow === undefined || !Array.isArray(workflow.steps)) return problems;
  const at = `workflows.${name}`;
  const placed: [Placement, string][] = [[workflow.placement ?? {}, `${at}.placement`], ...workflow.steps.map((s, i): [Placement, string] => [s.placement ?? {}, `${at}.steps[${i}].placement`])];
  const offered = nodes === undefined ? undefined : [...new Set(nodes.flatMap((n) => n.tags))].sort();
  const tagsHint = `use only tags the nodes carry: ${offered?.join(", ") || "none"}`;
  for (const [p, path] of placed) {
    for (const key of ["tags", "prefer", "avoid"] as const) {
      for (const tag of strings(p[key])) {
        if (offered !== undefined && !offered.includes(tag)) problems.push({ code: UNPLACEABLE, path: `${path}.${key}`, message: `no node carries the tag '${tag}'`, hint: tagsHint });
      }
    }
    const hard = strings(p.tags);
    if (nodes !== undefined && hard.length > 1 && hard.every((t) => offered!.includes(t)) && !nodes.some((n) => hard.every((t) => n.tags.includes(t)))) {
      problems.push({ code: UNPLACEABLE, path: `${path}.tags`, message: `no node carries ${hard.join(" and ")} together`, hint: "keep one as tags and make the others prefer" });
    }
  }
  const all = (key: keyof Placement) => new Set(placed.flatMap(([p]) => strings(p[key])));
  const unfit = (path: string, message: string, hint: string) => problems.push({ code: UNFIT, path, message, hint });
  for (const m of reading.placement.mentions) {
    if (!all(m.kind).has(m.tag)) unfit(`${at}.placement.${m.kind}`, `the description asks ${m.kind === "tags" ? "for" : m.kind === "prefer" ? "preferably for" : "to avoid"} nodes tagged ${m.tag} ('${m.words}'), but no placement ${m.kind === "tags" ? "requires" : m.kind === "prefer" ? "prefers" : "avoids"} it`, `add placement: {${m.kind}: [${m.tag}]} to the workflow`);
    if (m.kind === "prefer" && all("tags").has(m.tag)) unfit(`${at}.placement.tags`, `'${m.words}' is a preference, but ${m.tag} is required`, `move ${m.tag} from tags to prefer`);
  }
  if (reading.fanOut !== undefined && !workflow.steps.some((s) => s["for_each"] !== undefined)) {
    unfit(`${at}.steps`, `the description asks for one run per item ('${reading.fanOut.words}'), but no step has for_each`, "list the items in an earlier step (a filesystem glob) and give the per-item step for_each: \"${<that step>.output.matches}\" and concurrency");
  }
  const tools = (Array.isArray(draft.tools) ? draft.tools : []) as Tool[];
  const roots = tools.filter((t) => t.type === "filesystem" || t.type === "codebase_indexer").map((t) => normal(String(t.settings?.root ?? ".")));
  const folders = [...reading.places.inputs.map((f) => f.path), ...(reading.places.output === undefined ? [] : [reading.places.output.folder])];
  for (const folder of folders) {
    if (!roots.includes(normal(folder))) unfit("tools", `the description names ${folder}, but no filesystem tool is rooted there`, `declare {id, type: filesystem, settings: {root: "${folder}"}}`);
  }
  const hosts = tools.filter((t) => t.type === "http").flatMap((t) => strings(t.settings?.allow_hosts));
  const servers = tools.filter((t) => t.type === "mcpremote").map((t) => String(t.mcp_url));
  for (const u of reading.places.urls) {
    if (u.mcp && !servers.includes(u.url)) unfit("tools", `the description names the MCP server ${u.url}, but no mcpremote tool calls it`, `declare {id: mcp, type: mcpremote, mcp_url: "${u.url}"}`);
    if (!u.mcp && !hosts.includes(u.host)) unfit("tools", `the description names ${u.url}, but no http tool may reach ${u.host}`, `declare {id: http, type: http, settings: {allow_hosts: ["${u.host}"]}}`);
  }
  return problems;
}
