import { isAbsolute, posix } from "node:path";
import { CALLER_POLICY_SETTING, type CallerPolicy } from "../config/index.js";
import { hostAllowed } from "../tools/index.js";
import { readPlacement, type PlacementReading } from "./capabilities.js";
import { readFanOut, type FanOutReading } from "./fan-out.js";
import { readPlaces, type NamedFolder, type NamedUrl, type PlacesReading } from "./named-places.js";
import type { GenerationContext } from "./types.js";

/** What a description asks of a workflow's shape, already cut to what the nodes offer and the caller policy grants. */
export interface DescriptionReading {
  placement: PlacementReading;
  fanOut: FanOutReading | undefined;
  places: PlacesReading;
  /** What was asked for and kept out, each naming why (the tags that exist, the policy setting). */
  warnings: string[];
}

/** Whether a caller's workflow may root a tool at `path`: inside its sandbox folder, never above or outside it. */
function insideSandbox(path: string): boolean {
  if (path.startsWith("~") || isAbsolute(path)) return false;
  return !posix.normalize(path).startsWith("..");
}

function grantedUrl(u: NamedUrl, policy: CallerPolicy, warnings: string[]): boolean {
  const type = u.mcp ? "mcpremote" : "http";
  if (!policy.tool_types.includes(type)) {
    warnings.push(`left the ${type} tool for ${u.url} out: workflows sent by callers may not use ${type} tools (${CALLER_POLICY_SETTING.tool_types} does not list ${type})`);
    return false;
  }
  if (u.mcp ? policy.mcp_servers.includes(new URL(u.url).href) : hostAllowed(new URL(u.url), policy.http_hosts)) return true;
  const setting = u.mcp ? CALLER_POLICY_SETTING.mcp_servers : CALLER_POLICY_SETTING.http_hosts;
  const granted = (u.mcp ? policy.mcp_servers : policy.http_hosts).join(", ") || "none";
  warnings.push(`left ${u.mcp ? u.url : u.host} out: the node does not grant workflows sent by callers that ${u.mcp ? "MCP server" : "host"} (${setting}; granted: ${granted})`);
  return false;
}

function grantedFolder(f: NamedFolder, policy: CallerPolicy, warnings: string[]): boolean {
  if (insideSandbox(f.path)) return policy.tool_types.includes("filesystem");
  warnings.push(`left ${f.path} out: workflows sent by callers are confined to their sandbox folder, so their files are read from there`);
  return false;
}

/** Reads the description for placement, fan-out, folders, files, URLs and hosts, against the context it will run in. */
export function readDescription(description: string, context: GenerationContext): DescriptionReading {
  const placement = readPlacement(description, context.nodes);
  const fanOut = readFanOut(description);
  const places = readPlaces(description);
  const warnings = [...placement.warnings];
  const policy = context.policy;
  if (policy !== undefined) {
    places.urls = places.urls.filter((u) => grantedUrl(u, policy, warnings));
    places.inputs = places.inputs.filter((f) => grantedFolder(f, policy, warnings));
    if (places.output !== undefined && !grantedFolder({ path: places.output.folder, words: places.output.words }, policy, warnings)) places.output = undefined;
  }
  return { placement, fanOut, places, warnings };
}
