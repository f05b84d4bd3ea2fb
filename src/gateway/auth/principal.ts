import { PermissionDeniedError } from "../errors.js";

export const SCOPES = ["execute", "generate", "read", "read_all", "admin"] as const;
export type Scope = (typeof SCOPES)[number];

/** Who is calling: a configured token's identity, its scopes and what it is limited to. */
export interface Principal {
  /** The token's `id` (never the token itself); written to the audit log. */
  id: string;
  scopes: ReadonlySet<Scope>;
  /** Workflow names (`*` wildcards allowed) the token may run or see; undefined = all. */
  workflows?: readonly string[];
  /** Node tags the token may use: a node must carry at least one; undefined = any node. */
  tags?: readonly string[];
  /** Tokens of one tenant see each other's executions; undefined = the token sees only its own (without `read_all`). */
  tenant?: string;
  /** Executions this token may have running at once (its `max_running`); undefined (the local user): only the node's cap. */
  maxRunning?: number;
  /** `maxRunning` is the node's default (the entry sets none): counted on each node alone, not across the cluster. */
  maxRunningPerNode?: true;
  /** Watches this token may hold open at once (its `max_watchers`); undefined (the local user): only the node's cap. */
  maxWatchers?: number;
  /** The highest priority (0-9) its executions may ask for (its `max_priority`); a higher one is lowered to it. */
  maxPriority?: number;
  /** Executions this token may have waiting in a node's queue at once (its `max_queued`); undefined: only the node's bound. */
  maxQueued?: number;
}

/** The caller when no tokens are configured: the node then listens on loopback only, so it is this machine's user. */
export const LOCAL_PRINCIPAL: Principal = Object.freeze({ id: "local", scopes: new Set<Scope>(SCOPES) });

/** `admin` holds every scope; `read_all` is `read` over every tenant's executions. */
export function hasScope(principal: Principal, scope: Scope): boolean {
  return principal.scopes.has(scope) || principal.scopes.has("admin") || (scope === "read" && principal.scopes.has("read_all"));
}

export function requireScopes(principal: Principal, scopes: readonly Scope[], method: string): void {
  const missing = scopes.filter((s) => !hasScope(principal, s));
  if (missing.length === 0) return;
  throw new PermissionDeniedError(`token '${principal.id}' lacks the ${missing.map((s) => `'${s}'`).join(" and ")} scope needed by ${method}`, {
    hint: `give the token scope${missing.length > 1 ? "s" : ""} ${missing.join(", ")} (or admin) in the token file`,
  });
}

const patternCache = new Map<string, RegExp>();

function matches(pattern: string, name: string): boolean {
  if (!pattern.includes("*")) return pattern === name;
  let re = patternCache.get(pattern);
  if (!re) patternCache.set(pattern, (re = new RegExp(`^${pattern.split("*").map((p) => p.replace(/[.+?^${}()|[\]\\]/g, "\\$&")).join(".*")}$`)));
  return re.test(name);
}

export function mayUseWorkflow(principal: Principal, workflowName: string): boolean {
  return principal.workflows === undefined || principal.workflows.some((p) => matches(p, workflowName));
}

export function requireWorkflow(principal: Principal, workflowName: string): void {
  if (mayUseWorkflow(principal, workflowName)) return;
  throw new PermissionDeniedError(`token '${principal.id}' may not use workflow '${workflowName}'`, {
    hint: `this token is limited to: ${principal.workflows!.join(", ")}`,
  });
}

/** Inline and generated workflows have no name the token file could list, so a workflow-limited token may not run them. */
export function requireAnyWorkflow(principal: Principal, what: string): void {
  if (principal.workflows === undefined) return;
  throw new PermissionDeniedError(`token '${principal.id}' is limited to named workflows and may not run ${what}`, {
    hint: `use one of: ${principal.workflows.join(", ")}`,
  });
}

/**
 * Cancelling stops someone's work: only the token that started the execution (its record's `started_by`) or an admin
 * token may. The local principal (no tokens configured) has admin.
 */
export function requireCanceller(principal: Principal, executionId: string, startedBy: string | undefined): void {
  if (hasScope(principal, "admin") || (startedBy !== undefined && startedBy === principal.id)) return;
  const why = startedBy === undefined ? "it was not started through a gateway" : "another token started it";
  throw new PermissionDeniedError(`token '${principal.id}' may not cancel execution ${executionId}: ${why}`, {
    hint: "only the token that started it, or an admin token, may cancel it",
  });
}

export function mayUseNode(principal: Principal, nodeTags: readonly string[]): boolean {
  return principal.tags === undefined || principal.tags.some((t) => nodeTags.includes(t));
}

export function requireNode(principal: Principal, nodeId: string, nodeTags: readonly string[]): void {
  if (mayUseNode(principal, nodeTags)) return;
  throw new PermissionDeniedError(`token '${principal.id}' may not use node '${nodeId}' (tags: ${nodeTags.join(", ") || "none"})`, {
    hint: `this token is limited to nodes tagged ${principal.tags!.join(" or ")}`,
  });
}
