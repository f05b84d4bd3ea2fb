import { compileTemplate, toText, type WorkflowDef } from "../../config/index.js";
import type { KeyLimit, QueueTicket, ShownTicket } from "../../engine/internal.js";
import type { Principal } from "../auth/index.js";
import { given } from "../../present.js";

/** A request with no priority, of a workflow without `priority:`, waits at this one. */
export const DEFAULT_PRIORITY = 5;

/** A concurrency key longer than this is cut (it is a label in the record and a map key, not data). */
const MAX_KEY_LENGTH = 200;

/** What the queue needs of one execution, and the key callers see. */
export interface ExecutionTicket extends QueueTicket {
  /** The rendered concurrency key (or the token id), without the tenant and workflow it is scoped to. */
  shownKey: string;
}

/** `${token.id}` and `${token.tenant}` are the caller's; the rest of the template reads the input (never env: keys are shown). */
function renderKey(template: string, input: unknown, principal: Principal): string {
  const withToken = template.replaceAll("${token.id}", principal.id).replaceAll("${token.tenant}", principal.tenant ?? "");
  const value = compileTemplate(withToken).evaluate({ input, env: {}, stepOutput: () => undefined });
  return toText(value ?? "").slice(0, MAX_KEY_LENGTH);
}

/**
 * The ticket of one execution: its priority (the request's, else the workflow's, else 5; lowered to the token's
 * max_priority), its round-robin key (the workflow's `concurrency.key` rendered, else the token) and the limits it
 * counts against: the workflow's per-key limit (scoped to the tenant and workflow, so tenants never share a key) and
 * the token's max_running.
 */
export function ticketFor(workflowName: string, workflow: WorkflowDef | undefined, input: unknown, principal: Principal, requested: number | undefined): ExecutionTicket {
  const asked = requested ?? workflow?.priority ?? DEFAULT_PRIORITY;
  const priority = principal.maxPriority === undefined ? asked : Math.min(asked, principal.maxPriority);
  const concurrency = workflow?.concurrency;
  const shownKey = concurrency?.key === undefined ? principal.id : renderKey(concurrency.key, input, principal);
  const scope = `${principal.tenant ?? ""}\u0000${workflowName}\u0000`;
  const limits: KeyLimit[] = [];
  if (concurrency !== undefined) limits.push({ key: `key\u0000${scope}${shownKey}`, limit: concurrency.limit, what: `concurrency key ${shownKey}`, kind: "concurrency" });
  if (principal.maxRunning !== undefined) limits.push({ key: `token\u0000${principal.id}`, limit: principal.maxRunning, what: `token ${principal.id}`, kind: "max_running", ...(principal.maxRunningPerNode ? { per_node: true as const } : {}) });
  // Round-robin by tenant and key: one tenant's keys never share a turn with another's.
  // A token's max_queued counts its waiting executions under the key its max_running counts its running ones.
  const maxQueued = principal.maxQueued === undefined ? undefined : { key: `token\u0000${principal.id}`, limit: principal.maxQueued, what: `token ${principal.id}` };
  return { priority, key: concurrency === undefined ? `token\u0000${principal.id}` : `key\u0000${scope}${shownKey}`, limits, shownKey, ...given({ maxQueued }) };
}

/** The ticket as it travels with the engine's request: the key callers see beside the one the queue takes turns by. */
export function shownTicket(ticket: ExecutionTicket): ShownTicket {
  return { priority: ticket.priority, key: ticket.shownKey, turnKey: ticket.key, limits: [...ticket.limits], ...given({ maxQueued: ticket.maxQueued }) };
}
