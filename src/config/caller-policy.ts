import { readFileSync } from "node:fs";
import { parse } from "yaml";
import { z } from "zod";
import { describeIssues } from "../errors.js";
import { ConfigError } from "./errors.js";
import { BudgetSchema } from "./schema.js";

/**
 * What a workflow a caller sends (`workflow_yaml`, `workflow_config`, a generated one) may declare. The operator writes
 * it; everything it does not grant is refused. Workflows from the node's own workflow directories are not bound by it.
 */
export const CallerPolicySchema = z.strictObject({
  /** Tool types callers may declare or name; a type added to the runtime later stays refused until listed here. */
  tool_types: z.array(z.string().min(1)).default(["filesystem", "codebase_indexer", "mcpworkflow_executor"]),
  /** Hosts a caller's `http` tool may reach (`api.example.com`, `*.example.com`, `host:port`, `*`); empty: none. */
  http_hosts: z.array(z.string().min(1)).default([]),
  /** Streamable-HTTP MCP servers (exact URLs) a caller's `mcpremote` tool may call; stdio `command` never. */
  mcp_servers: z.array(z.url()).default([]),
  /** Model base URLs a caller's agent may name besides the node's own; they never receive the node's key. */
  model_endpoints: z.array(z.url()).default([]),
  /** The most a caller may ask for in an execute request's `budget` (more is refused); a caller's workflow runs under it, keeping its own lower limits. */
  max_budget: BudgetSchema.optional(),
});
export type CallerPolicy = Readonly<z.infer<typeof CallerPolicySchema>>;

/** Where each rule lives, for refusals that tell the caller which rule they hit. */
export const CALLER_POLICY_SETTING = Object.freeze({
  tool_types: "caller_policy.tool_types (--caller-tool-types)",
  http_hosts: "caller_policy.http_hosts (--caller-http-host)",
  mcp_servers: "caller_policy.mcp_servers (--caller-mcp-server)",
  model_endpoints: "caller_policy.model_endpoints (--caller-model-endpoint)",
  max_budget: "caller_policy.max_budget",
});

function frozen(policy: z.infer<typeof CallerPolicySchema>): CallerPolicy {
  return Object.freeze({
    tool_types: Object.freeze([...new Set(policy.tool_types)]) as string[],
    http_hosts: Object.freeze([...policy.http_hosts]) as string[],
    mcp_servers: Object.freeze(policy.mcp_servers.map((u) => new URL(u).href)) as string[],
    model_endpoints: Object.freeze([...policy.model_endpoints]) as string[],
    ...(policy.max_budget === undefined ? {} : { max_budget: Object.freeze({ ...policy.max_budget }) }),
  });
}

/** The deny-by-default policy: sandboxed files, the node's own executor and its model endpoint; no network. */
export function defaultCallerPolicy(): CallerPolicy {
  return frozen(CallerPolicySchema.parse({}));
}

/** Checks a policy (from a file, the environment or flags) and freezes it; a bad one is a ConfigError naming the field. */
export function resolveCallerPolicy(value: unknown, origin = "caller_policy"): CallerPolicy {
  const parsed = CallerPolicySchema.safeParse(value ?? {});
  if (!parsed.success) {
    throw new ConfigError("WFX_CALLER_POLICY_INVALID", `${origin} is invalid: ${describeIssues(parsed.error.issues, "caller_policy")}`, {
      hint: "caller_policy takes tool_types, http_hosts, mcp_servers (URLs) and model_endpoints (URLs), each a list, and max_budget {max_tokens, max_model_calls, max_tool_calls}",
    });
  }
  return frozen(parsed.data);
}

/** Policy text (a file's, or WFX_CALLER_POLICY's): YAML or JSON, the policy itself or a document with a `caller_policy:` section. */
export function parseCallerPolicy(text: string, origin: string): CallerPolicy {
  let data: unknown;
  try {
    data = parse(text, { maxAliasCount: 100 });
  } catch (error) {
    throw new ConfigError("WFX_CALLER_POLICY_INVALID", `${origin} is not valid YAML or JSON: ${(error as Error).message}`, { hint: "write caller_policy as YAML, e.g. {http_hosts: [api.example.com]}" });
  }
  const section = data !== null && typeof data === "object" && Object.hasOwn(data, "caller_policy") ? (data as { caller_policy: unknown }).caller_policy : data;
  return resolveCallerPolicy(section, origin);
}

export function loadCallerPolicyFile(path: string): CallerPolicy {
  let text: string;
  try {
    text = readFileSync(path, "utf8");
  } catch (error) {
    throw new ConfigError("WFX_CALLER_POLICY_INVALID", `cannot read the caller policy ${path}: ${(error as Error).message}`, { hint: "pass a readable YAML or JSON file" });
  }
  return parseCallerPolicy(text, path);
}
