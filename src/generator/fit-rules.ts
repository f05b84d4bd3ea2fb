import type { DescriptionReading } from "./description-reading.js";
import type { GenerationContext } from "./types.js";

/** The model planner's view of where the workflow will run, and what the description was read to ask: prompt lines. */
export function fitRulesPrompt(reading: DescriptionReading, context: GenerationContext): string[] {
  const lines: string[] = [];
  const nodes = context.nodes;
  if (nodes === undefined) {
    lines.push("- The cluster's nodes are not known: add placement only where the description asks for it.");
  } else {
    const tags = [...new Set(nodes.flatMap((n) => n.tags))].sort();
    const about = nodes.map((n) => `${n.id} (tags: ${n.tags.join(", ") || "none"}${n.resources === undefined ? "" : `; resources: ${Object.entries(n.resources.total).map(([k, v]) => `${k}=${v}`).join(", ") || "none"}`})`);
    lines.push(`- The cluster's nodes: ${about.join("; ") || "none"}. Tags that exist: ${tags.join(", ") || "none"}; use no other tag.`);
  }
  lines.push(
    '- Placement: where the description asks for a capability ("on GPU nodes", "in the EU", "lots of memory"), give the workflow placement: {tags: [...]} with the tags that mean it; for "if one is free", "preferably", "ideally" use placement: {prefer: [...]}; for "not on" use {avoid: [...]}. Some node must carry all the hard tags together.',
    '- Fan-out: for "each", "every", "for all", "in parallel", list the items in an earlier step (a tool step {id: list_files, tool: <filesystem tool id>, args: {op: glob, pattern: "**/*"}}) and give the per-item step for_each: "${list_files.output.matches}", concurrency: N and input: "${item}". Without a folder to list, use for_each: "${input.items}".',
    '- Folders and files the description names: a filesystem tool with settings: {root: "<folder>"} (the named folder, as written); a named output file: a filesystem tool rooted at its folder and a final tool step {op: write, path: <file name>, content: "${<last step>.output}"}.',
    "- URLs and hosts: an http tool {id, type: http, settings: {allow_hosts: [<host>]}} offered to the agent that fetches; an MCP server URL: {id, type: mcpremote, mcp_url: <url>}.",
    '- Add "explanation": [{part: "step <id>" | "tool <id>" | "placement.tags <tag>", words: "<the words of the description it came from>"}], one entry per step and tool.',
  );
  const policy = context.policy;
  if (policy !== undefined) {
    lines.push(`- This workflow runs as a caller's: tool types allowed: ${policy.tool_types.join(", ") || "none"}; http hosts: ${policy.http_hosts.join(", ") || "none"}; MCP servers: ${policy.mcp_servers.join(", ") || "none"}; roots must be relative folders inside the caller's sandbox.`);
  }
  const asked: string[] = [];
  const { placement, fanOut, places } = reading;
  for (const m of placement.mentions) asked.push(`placement.${m.kind} ${m.tag} ('${m.words}')`);
  if (fanOut !== undefined) asked.push(`for_each, concurrency ${fanOut.concurrency} ('${fanOut.words}')`);
  for (const f of places.inputs) asked.push(`a filesystem tool rooted at ${f.path}`);
  if (places.output !== undefined) asked.push(`writing ${places.output.file} in ${places.output.folder}`);
  for (const u of places.urls) asked.push(u.mcp ? `an mcpremote tool for ${u.url}` : `an http tool allowing ${u.host}`);
  if (asked.length > 0) lines.push(`- Read from this description, the workflow needs: ${asked.join("; ")}.`);
  if (reading.warnings.length > 0) lines.push(`- Leave out, since it cannot run here: ${reading.warnings.join("; ")}.`);
  return lines;
}
