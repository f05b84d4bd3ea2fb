import type { Placement } from "../config/index.js";

export type NodeStatus = "up" | "draining" | "down";

/** What the work takes a slot of: an execution's supervisor, or one step actor. */
export type PlacementKind = "execution" | "step";

/** A node as placement sees it: what it offers, how busy it is, whether it takes work. */
export interface PlacementNode {
  id: string;
  tags: readonly string[];
  /** Numeric resources (`gpu`, `memory_gb`): all the node has, and what running steps have not reserved. */
  resources: { total: Readonly<Record<string, number>>; free: Readonly<Record<string, number>> };
  /** Running executions and steps the node allows at once; 0 means it runs none of that kind. */
  capacity: { executions: number; steps: number };
  load: { executions: number; steps: number };
  status: NodeStatus;
}

/** A workflow's or step's `placement:`, plus what the caller and the engine add. */
export interface PlacementRequest extends Placement {
  /** Tags the request adds to the workflow's own (an execute call's), all required like `tags`. */
  target_tags?: readonly string[];
  /** At least one of these tags (the node-tag limit of the caller's token); empty or absent: no such rule. */
  any_of_tags?: readonly string[];
  /** Default `step`. */
  kind?: PlacementKind;
  /** Every fitting node full: take the least used of them anyway (it queues the work) rather than waiting for room. */
  queueWhenFull?: boolean;
}

export type PendingReason = "no_nodes" | "unmatched" | "busy";

/** Why nothing was placed: `missing_tags` and `missing_resources` name what no node that is up offers at all. */
export interface Pending {
  /** `no_nodes`: no node is up to run this kind; `unmatched`: no node that is up fits; `busy`: some fit but are full. */
  reason: PendingReason;
  message: string;
  missing_tags: string[];
  missing_resources: string[];
}

export type PlacementResult = { node: PlacementNode } | { pending: Pending };

/** Whether a placement asks for somewhere in particular (tags, a target, preferences, resources); else it runs where it was asked. */
export function asksForSomewhere(p: PlacementRequest | undefined): boolean {
  if (p === undefined) return false;
  return (p.tags?.length ?? 0) > 0 || (p.target_tags?.length ?? 0) > 0 || (p.any_of_tags?.length ?? 0) > 0 || p.target_instance !== undefined || (p.prefer?.length ?? 0) > 0 || Object.keys(p.resources ?? {}).length > 0;
}

/** What an execute request adds to the workflow's own placement (see ExecuteRequest.placement). */
export interface RequestedPlacement {
  target_instance?: string | undefined;
  target_tags?: readonly string[] | undefined;
  any_of_tags?: readonly string[] | undefined;
}

/** What the caller's token allows: only nodes carrying at least one of its `tags`, when it has any. */
export interface PlacementPrincipal {
  tags?: readonly string[] | undefined;
}

/**
 * Where work may go, the one merge of every source: the workflow's `placement:` for an execution (the step's for a
 * step), then what the request adds (its target wins over the file's), then the caller's token's node tags. A field no
 * source sets is absent, never `undefined`, so the result is stored and compared as it was written.
 */
export function placementFor(workflow: Placement | undefined, request?: RequestedPlacement, principal?: PlacementPrincipal): PlacementRequest {
  const merged: PlacementRequest = { ...workflow };
  if (request?.target_instance !== undefined) merged.target_instance = request.target_instance;
  if (request?.target_tags !== undefined) merged.target_tags = request.target_tags;
  const anyOf = principal?.tags ?? request?.any_of_tags;
  if (anyOf !== undefined) merged.any_of_tags = anyOf;
  return merged;
}

/** Weight of a preference written as a bare tag (Nomad's default affinity weight). */
export const DEFAULT_PREFERENCE_WEIGHT = 50;

const LISTED = 5;

function quoted(names: readonly string[]): string {
  const shown = names.slice(0, LISTED).map((n) => `'${n}'`);
  const more = names.length > LISTED ? [`${names.length - LISTED} more`] : [];
  const all = [...shown, ...more];
  return all.length <= 1 ? all.join("") : `${all.slice(0, -1).join(", ")} and ${all.at(-1)}`;
}

function ids(nodes: readonly PlacementNode[]): string {
  return quoted(nodes.map((n) => n.id));
}

function hasAll(tags: readonly string[], wanted: readonly string[]): boolean {
  for (const t of wanted) if (!tags.includes(t)) return false;
  return true;
}

/** The request made concrete: every hard rule as one predicate, the soft ones as scores; plain loops, as it runs per node. */
function compile(request: PlacementRequest, nodes: readonly PlacementNode[]) {
  const slot: keyof PlacementNode["capacity"] = request.kind === "execution" ? "executions" : "steps";
  const tags = [...new Set([...(request.tags ?? []), ...(request.target_tags ?? [])])];
  const wanted = Object.entries(request.resources ?? {});
  const target = request.target_instance;
  // A name that is some node's id targets that node; any other name is a pool, the tag its nodes carry.
  const targetIsId = target !== undefined && nodes.some((n) => n.id === target);
  const onTarget = (n: PlacementNode) => target === undefined || (targetIsId ? n.id === target : n.tags.includes(target));
  const weights = new Map<string, number>();
  for (const p of request.prefer ?? []) {
    const [tag, weight] = typeof p === "string" ? [p, DEFAULT_PREFERENCE_WEIGHT] : [p.tag, p.weight];
    weights.set(tag, Math.max(weights.get(tag) ?? 0, weight));
  }
  const avoid = new Set(request.avoid ?? []);
  const anyOf = request.any_of_tags ?? [];
  const allowed = (n: PlacementNode) => anyOf.length === 0 || anyOf.some((t) => n.tags.includes(t));
  const enough = (amounts: Readonly<Record<string, number>>) => {
    for (const [r, amount] of wanted) if ((amounts[r] ?? 0) < amount) return false;
    return true;
  };
  const avoidedBy = (n: PlacementNode) => {
    let count = 0;
    for (const t of n.tags) if (avoid.has(t)) count++;
    return count;
  };
  const preferenceOf = (n: PlacementNode) => {
    let sum = 0;
    for (const t of n.tags) sum += weights.get(t) ?? 0;
    return sum;
  };
  return {
    slot,
    tags,
    anyOf,
    wanted,
    target,
    targetIsId,
    /** Could ever run it: runs this kind, carries every tag, is (or is in) the target, has enough of each resource. */
    fits: (n: PlacementNode) => n.capacity[slot] > 0 && hasAll(n.tags, tags) && allowed(n) && onTarget(n) && enough(n.resources.total),
    /** Can run it now: a free slot and enough of each resource unreserved. */
    hasRoom: (n: PlacementNode) => n.load[slot] < n.capacity[slot] && enough(n.resources.free),
    avoided: avoid.size === 0 ? () => 0 : avoidedBy,
    preference: weights.size === 0 ? () => 0 : preferenceOf,
    /** The busiest of the node's slots and of the resources asked for, as a fraction in use. */
    utilisation: (n: PlacementNode) => Math.max(n.load[slot] / n.capacity[slot], ...wanted.map(([r]) => 1 - (n.resources.free[r] ?? 0) / (n.resources.total[r] ?? 1))),
  };
}

type Compiled = ReturnType<typeof compile>;

/**
 * Picks the node to run a workflow's supervisor or a step on, or says why none can yet. Hard rules first (`tags`,
 * `target_tags`, `target_instance`, `resources`, a slot of the right kind); draining and down nodes get nothing. Among
 * the nodes with room: fewest `avoid` tags, then highest total `prefer` weight, then the less used of two drawn at
 * random (power of two choices: near least-loaded without every placer piling onto the same node). `random` returns
 * [0, 1) like Math.random, injected so tests are deterministic.
 */
export function place(request: PlacementRequest, nodes: readonly PlacementNode[], random: () => number = Math.random): PlacementResult {
  const rules = compile(request, nodes);
  // One pass keeps the nodes with room that are best by the soft rules so far: fewest avoided, then most preferred.
  let candidates: PlacementNode[] = [];
  let bestAvoided = Infinity;
  let bestPreference = -Infinity;
  let anyFits = false;
  for (const n of nodes) {
    if (n.status !== "up" || !rules.fits(n)) continue;
    anyFits = true;
    if (!rules.hasRoom(n)) continue;
    const avoided = rules.avoided(n);
    if (avoided > bestAvoided) continue;
    const preference = rules.preference(n);
    if (avoided < bestAvoided || preference > bestPreference) {
      bestAvoided = avoided;
      bestPreference = preference;
      candidates = [n];
    } else if (preference === bestPreference) {
      candidates.push(n);
    }
  }
  if (candidates.length > 0) return { node: twoChoices(candidates, rules.utilisation, random) };
  // Nothing placed: the slow path, which only explains why.
  const up = nodes.filter((n) => n.status === "up");
  if (anyFits && request.queueWhenFull === true) return { node: twoChoices(up.filter(rules.fits), rules.utilisation, random) };
  return anyFits ? { pending: busy(rules, up.filter(rules.fits)) } : { pending: unmatched(rules, up, nodes) };
}

function twoChoices(candidates: readonly PlacementNode[], utilisation: (n: PlacementNode) => number, random: () => number): PlacementNode {
  if (candidates.length === 1) return candidates[0]!;
  const draw = (size: number) => Math.min(size - 1, Math.floor(random() * size));
  const i = draw(candidates.length);
  let j = draw(candidates.length - 1);
  if (j >= i) j++;
  const [a, b] = [candidates[i]!, candidates[j]!];
  return utilisation(b) < utilisation(a) ? b : a;
}

function unmatched(rules: Compiled, up: readonly PlacementNode[], all: readonly PlacementNode[]): Pending {
  const { slot, tags, wanted, target } = rules;
  const runners = up.filter((n) => n.capacity[slot] > 0);
  const missing = wanted.filter(([r, amount]) => !runners.some((n) => (n.resources.total[r] ?? 0) >= amount));
  const found = { missing_tags: tags.filter((t) => !runners.some((n) => n.tags.includes(t))), missing_resources: missing.map(([r]) => r) };
  if (up.length === 0) {
    const known = (["draining", "down"] as const).flatMap((status) => {
      const these = all.filter((n) => n.status === status);
      return these.length === 0 ? [] : [`${status}: ${ids(these)}`];
    });
    return { reason: "no_nodes", message: `no node is up${known.length === 0 ? "" : ` (${known.join("; ")})`}`, ...found };
  }
  if (runners.length === 0) return { reason: "no_nodes", message: `no node that is up runs ${slot}: capacity.${slot} is 0 on ${ids(up)}`, ...found };
  const who = `no node that runs ${slot}`;
  const parts: string[] = [];
  if (found.missing_tags.length > 0) parts.push(`${who} carries ${found.missing_tags.length === 1 ? "tag" : "tags"} ${quoted(found.missing_tags)}`);
  for (const [r, amount] of missing) {
    const most = Math.max(0, ...runners.map((n) => n.resources.total[r] ?? 0));
    parts.push(most === 0 ? `${who} has resource '${r}'` : `${who} has ${amount} ${r} (the most on one node is ${most})`);
  }
  const targetNode = rules.targetIsId ? all.find((n) => n.id === target) : undefined;
  if (targetNode !== undefined && targetNode.status !== "up") parts.push(`node '${target}' is ${targetNode.status}`);
  else if (targetNode !== undefined && targetNode.capacity[slot] === 0) parts.push(`node '${target}' does not run ${slot}`);
  else if (target !== undefined && targetNode === undefined && !runners.some((n) => n.tags.includes(target))) parts.push(`no node is named '${target}' or carries it as a pool tag`);
  if (parts.length === 0 && (rules.anyOf.length > 0)) parts.push(`no node that fits carries any of the tags the caller may use (${quoted(rules.anyOf)})`);
  if (parts.length === 0) parts.push(`no single node has all of ${describe(rules)}`);
  // Draining nodes that would fit explain a wait that ends only when they come back or others join.
  const draining = targetNode === undefined ? all.filter((n) => n.status === "draining" && rules.fits(n)) : [];
  const note = draining.length === 0 ? "" : ` (${ids(draining)} would fit but ${draining.length === 1 ? "is" : "are"} draining)`;
  return { reason: "unmatched", message: parts.join("; ") + note, ...found };
}

function describe({ tags, wanted, target }: Compiled): string {
  return [...tags.map((t) => `tag '${t}'`), ...wanted.map(([r, amount]) => `${amount} ${r}`), ...(target === undefined ? [] : [`target '${target}'`])].join(", ");
}

function busy(rules: Compiled, fitting: readonly PlacementNode[]): Pending {
  const { slot, wanted } = rules;
  const why = (n: PlacementNode) => {
    if (n.load[slot] >= n.capacity[slot]) return `${n.id} (${slot} ${n.load[slot]}/${n.capacity[slot]})`;
    const short = wanted.filter(([r, amount]) => (n.resources.free[r] ?? 0) < amount).map(([r]) => `${r} ${n.resources.free[r] ?? 0}/${n.resources.total[r] ?? 0} free`);
    return `${n.id} (${short.join(", ")})`;
  };
  const listed = fitting.slice(0, LISTED).map(why).join(", ");
  const more = fitting.length > LISTED ? ` and ${fitting.length - LISTED} more` : "";
  const count = fitting.length === 1 ? "the one node that fits is" : `all ${fitting.length} nodes that fit are`;
  return { reason: "busy", message: `${count} full: ${listed}${more}`, missing_tags: [], missing_resources: [] };
}
