import type { CallerPolicy } from "../../src/config/index.js";
import { resolveCallerPolicy } from "../../src/config/index.js";
import type { CapabilityNode, Complexity, GenerateWorkflowResult } from "../../src/generator/index.js";

/** A three-node cluster as the generator sees it: a GPU node in the EU, a high-memory node in the EU, a plain node in the US. */
export const RUBRIC_NODES: CapabilityNode[] = [
  { id: "gpu-eu-1", tags: ["gpu", "eu"], resources: { total: { gpu: 2, memory_gb: 64 }, free: { gpu: 2, memory_gb: 64 } } },
  { id: "mem-eu-1", tags: ["high-memory", "eu"], resources: { total: { memory_gb: 512 }, free: { memory_gb: 512 } } },
  { id: "cpu-us-1", tags: ["us"], resources: { total: { memory_gb: 16 }, free: { memory_gb: 16 } } },
];

/** What a workflow that fits its description must have (and, by leaving a feature out, must not have). */
export interface RubricCase {
  description: string;
  complexity?: Complexity;
  /** Hard placement tags (exact set); absent together with prefer and avoid: no placement at all. */
  tags?: string[];
  prefer?: string[];
  avoid?: string[];
  /** Some step fans out (`for_each`); false: no step does. */
  forEach: boolean;
  concurrency?: number;
  /** Roots of rooted tools (filesystem, codebase_indexer) other than "."; absent: none. */
  roots?: string[];
  /** Hosts an http tool may reach; absent: no http tool. */
  hosts?: string[];
  /** An mcpremote tool's URL; absent: no mcpremote tool. */
  mcp?: string;
  roles?: string[];
  notRoles?: string[];
  /** A warning in the answer must say this. */
  warn?: RegExp;
  /** Generate as for a caller's workflow under this policy (a gateway's request). */
  policy?: CallerPolicy;
}

const HTTP_POLICY = resolveCallerPolicy({ tool_types: ["filesystem", "codebase_indexer", "mcpworkflow_executor", "http"], http_hosts: ["status.example.com"] });
const DEFAULT_POLICY = resolveCallerPolicy({});

export const RUBRIC: readonly RubricCase[] = [
  { description: "Summarise each contract in ./contracts on GPU nodes in the EU", tags: ["gpu", "eu"], forEach: true, roots: ["./contracts"], roles: ["summarizer"] },
  { description: "For each file in ./invoices, extract the totals in parallel, then write a summary", forEach: true, roots: ["./invoices"], roles: ["information_extractor", "summarizer"] },
  { description: "Fetch the status page from https://status.example.com and summarise the incidents", forEach: false, hosts: ["status.example.com"], roles: ["summarizer"] },
  { description: "Analyse the large log archive on a high-memory node", tags: ["high-memory"], forEach: false, roles: ["data_analyst"] },
  { description: "Review the code changes, on a gpu node if one is free, otherwise anywhere", prefer: ["gpu"], forEach: false, roles: ["quality_reviewer"] },
  { description: "Open tickets for the errors in the cluster logs", forEach: false, roles: ["ticket_writer"], notRoles: ["feedback_collector", "summarizer"] },
  { description: "Translate every document in ./docs/en into German", forEach: true, roots: ["./docs/en"], roles: ["translator"] },
  { description: "Classify the sentiment of each customer review in parallel", forEach: true, roles: ["sentiment_analyzer"] },
  { description: "Summarize this article", forEach: false, roles: ["summarizer"] },
  { description: "Analyze customer feedback, extract insights, and generate action items", forEach: false, roles: ["feedback_collector", "insight_synthesizer"] },
  { description: "Scan the repository in ./src for security vulnerabilities, in the EU only", tags: ["eu"], forEach: false, roots: ["./src"], roles: ["security_analyzer"] },
  { description: "Preferably on a GPU node, transcribe the meeting notes and write a brief", prefer: ["gpu"], forEach: false, roles: ["summarizer"] },
  { description: "Check the API at https://api.example.com/v1/health every hour and notify the team on failures", forEach: false, hosts: ["api.example.com"], roles: ["notifier"] },
  { description: "Use the MCP server at https://tools.example.com/mcp to look up open orders and summarise them", forEach: false, mcp: "https://tools.example.com/mcp", roles: ["summarizer"] },
  { description: "Read reviews.csv and report the average rating", forEach: false, roles: ["data_loader"] },
  { description: "Summarise the quarterly sales data in ./data/sales.csv and write the report to ./out/report.md", forEach: false, roots: ["./data", "./out"], roles: ["summarizer"] },
  { description: "Run the nightly forecast on a node with lots of memory in the EU", tags: ["high-memory", "eu"], forEach: false, roles: ["data_analyst"] },
  { description: "Run the nightly forecast on a TPU node", forEach: false, warn: /tpu.*(gpu|high-memory)/i, roles: ["data_analyst"] },
  { description: "Process every PDF in /data/scans in parallel, at most 2 at a time", forEach: true, concurrency: 2, roots: ["/data/scans"], roles: ["document_processor"] },
  { description: "Translate the manual into French", forEach: false, roles: ["translator"] },
  { description: "Compare the performance metrics of all services", forEach: false, roles: ["data_analyst"] },
  { description: "Summarize all the files in ./notes one by one", forEach: true, roots: ["./notes"], roles: ["summarizer"] },
  { description: "For all tickets in the backlog, assign a priority and a category", forEach: true, roles: ["classifier"], notRoles: ["ticket_writer"] },
  { description: "Download the price list from https://shop.example.com/prices.json and compare it with last week's prices in ./prices", forEach: false, hosts: ["shop.example.com"], roots: ["./prices"], roles: ["data_analyst"] },
  { description: "Review the pull requests, but not on GPU nodes", avoid: ["gpu"], forEach: false, roles: ["quality_reviewer"] },
  { description: "Write a weekly newsletter from the articles in ./articles, in the US", tags: ["us"], forEach: false, roots: ["./articles"], roles: ["report_generator"] },
  { description: "Extract the key fields from every invoice in ./invoices on a GPU node if available", prefer: ["gpu"], forEach: true, roots: ["./invoices"], roles: ["information_extractor"] },
  { description: "Draft replies to the support emails", forEach: false, roles: ["reply_writer"] },
  { description: "Check the links on https://docs.example.com and https://blog.example.com for broken pages", forEach: false, hosts: ["docs.example.com", "blog.example.com"] },
  { description: "Summarise the GDPR obligations in our privacy policy, keeping all processing in the EU", tags: ["eu"], forEach: false, roles: ["summarizer", "security_analyzer"] },
  { description: "Monitor https://status.example.com and alert on Slack when something is down", forEach: false, hosts: ["status.example.com"], roles: ["notifier"] },
  { description: "Every morning, summarise the news about our competitors", forEach: false, roles: ["web_researcher", "summarizer"] },
  { description: "Analyse each dataset in ./datasets for statistics and trends, using high-memory nodes", tags: ["high-memory"], forEach: true, roots: ["./datasets"], roles: ["data_analyst"] },
  { description: "Rank the resumes in ./cvs for the data engineer role", forEach: false, roots: ["./cvs"], roles: ["document_processor"] },
  { description: "Write a README for the code in ./app", forEach: false, roots: ["./app"], roles: ["code_analyzer", "report_generator"] },
  { description: "Index the codebase and explain its architecture, ideally on a high-memory node", prefer: ["high-memory"], forEach: false, roles: ["code_analyzer"] },
  { description: "Fact-check the claims in the article at https://news.example.org/story", forEach: false, hosts: ["news.example.org"], roles: ["fact_checker"] },
  { description: "Categorise every support ticket in parallel, 8 at a time, then write a summary for the team", forEach: true, concurrency: 8, roles: ["classifier", "summarizer"], notRoles: ["ticket_writer"] },
  { description: "Run the image captioning on GPU nodes", tags: ["gpu"], forEach: false },
  { description: "Summarise the contracts in ./contracts", forEach: false, roots: ["./contracts"], roles: ["summarizer"] },
  { description: "Process the invoices in parallel on eu nodes", tags: ["eu"], forEach: true, roles: ["document_processor"] },
  { description: "Open issues for every failing test in the CI logs", forEach: true, roles: ["ticket_writer"], notRoles: ["feedback_collector"] },
  { description: "Query the MCP server at http://tools.internal:4020/mcp for today's orders", forEach: false, mcp: "http://tools.internal:4020/mcp" },
  { description: "Crunch the numbers on a GPU node with lots of memory", tags: ["gpu"], prefer: ["high-memory"], forEach: false, warn: /no node carries.*gpu.*high-memory/i, roles: ["data_analyst"] },
  { description: "Summarise the EU regulations on AI for the legal team", forEach: false, roles: ["summarizer"] },
  { description: "Compare the GPU benchmark results from last year", forEach: false, roles: ["data_analyst"] },
  { description: "Send us the weekly sales report", forEach: false, roles: ["report_generator"] },
  { description: "Fetch https://status.example.com and summarise it", forEach: false, warn: /caller_policy\.(tool_types|http_hosts)/, roles: ["summarizer"], policy: DEFAULT_POLICY },
  { description: "Fetch https://status.example.com and summarise it", forEach: false, hosts: ["status.example.com"], roles: ["summarizer"], policy: HTTP_POLICY },
  { description: "Fetch https://evil.example.net/payload and summarise it", forEach: false, warn: /evil\.example\.net.*caller_policy\.http_hosts/, roles: ["summarizer"], policy: HTTP_POLICY },
  { description: "Summarise each contract in /srv/contracts", forEach: true, warn: /\/srv\/contracts.*sandbox/, roles: ["summarizer"], policy: DEFAULT_POLICY },
];

type Placement = { tags?: string[]; prefer?: (string | { tag: string })[]; avoid?: string[] };
type Step = { id?: string; agent?: string; for_each?: unknown; concurrency?: number; placement?: Placement };
type Tool = { id: string; type: string; mcp_url?: string; settings?: { root?: string; allow_hosts?: string[] } };

const sorted = (list: readonly string[] | undefined) => [...(list ?? [])].sort().join(",");

/** Every way the answer misses its case; empty when the workflow fits. */
export function rubricMisses(result: GenerateWorkflowResult & { warnings?: string[] }, c: RubricCase): string[] {
  const misses: string[] = [];
  if (result.validation_status !== "valid") return [`invalid: ${JSON.stringify(result.validation_errors)}`];
  const file = result.workflow_config as { agents: { id: string }[]; tools?: Tool[]; workflows: Record<string, { placement?: Placement; steps: Step[] }> };
  const workflow = file.workflows[result.workflow_name]!;
  const placements = [workflow.placement, ...workflow.steps.map((s) => s.placement)].filter((p): p is Placement => p !== undefined);
  const union = (key: "tags" | "avoid") => [...new Set(placements.flatMap((p) => p[key] ?? []))];
  const prefer = [...new Set(placements.flatMap((p) => (p.prefer ?? []).map((t) => (typeof t === "string" ? t : t.tag))))];
  if (sorted(union("tags")) !== sorted(c.tags)) misses.push(`placement tags [${union("tags")}], want [${c.tags ?? []}]`);
  if (sorted(prefer) !== sorted(c.prefer)) misses.push(`prefer [${prefer}], want [${c.prefer ?? []}]`);
  if (sorted(union("avoid")) !== sorted(c.avoid)) misses.push(`avoid [${union("avoid")}], want [${c.avoid ?? []}]`);
  const fanned = workflow.steps.filter((s) => s.for_each !== undefined);
  if (fanned.length > 0 !== c.forEach) misses.push(c.forEach ? "no for_each" : `for_each on ${fanned.map((s) => s.id).join(", ")}`);
  if (c.concurrency !== undefined && !fanned.some((s) => s.concurrency === c.concurrency)) misses.push(`concurrency ${fanned.map((s) => s.concurrency)}, want ${c.concurrency}`);
  const tools = file.tools ?? [];
  const roots = [...new Set(tools.filter((t) => t.type === "filesystem" || t.type === "codebase_indexer").map((t) => t.settings?.root ?? ".").filter((r) => r !== "."))];
  if (sorted(roots) !== sorted(c.roots)) misses.push(`roots [${roots}], want [${c.roots ?? []}]`);
  const hosts = [...new Set(tools.filter((t) => t.type === "http").flatMap((t) => t.settings?.allow_hosts ?? []))];
  if (sorted(hosts) !== sorted(c.hosts)) misses.push(`http hosts [${hosts}], want [${c.hosts ?? []}]`);
  const mcp = tools.filter((t) => t.type === "mcpremote").map((t) => t.mcp_url);
  if (sorted(mcp as string[]) !== sorted(c.mcp === undefined ? [] : [c.mcp])) misses.push(`mcpremote [${mcp}], want [${c.mcp ?? ""}]`);
  const roles = file.agents.map((a) => a.id);
  for (const r of c.roles ?? []) if (!roles.includes(r)) misses.push(`no role ${r} (has ${roles})`);
  for (const r of c.notRoles ?? []) if (roles.includes(r)) misses.push(`role ${r} should not be there`);
  if (c.warn !== undefined && !(result.warnings ?? []).some((w) => c.warn!.test(w))) misses.push(`no warning like ${c.warn} (warnings: ${JSON.stringify(result.warnings ?? [])})`);
  return misses;
}
