/** A process (node incarnation) holding places or waiting for them under one tag's limit, renewed as a whole. */
export interface TagLeaseHolder {
  node: string;
  /** The limit this holder's node is configured with: the smallest of the live holders' applies. */
  limit: number;
  /** Epoch milliseconds (the writer's clock); past it the holder is dead and its entries go with it. */
  expires_at: number;
}

/** One step's place (`held`) or its turn in line (not held yet). */
export interface TagLeaseEntry {
  id: string;
  /** The instance id of the process whose stand-in asked: the entry lives as long as that holder renews. */
  holder: string;
  /** 0-9, 9 first. */
  priority: number;
  /** Arrival order across the cluster: given from `next_seq` by the write that added it. */
  seq: number;
  held: boolean;
  /** `execution/step`, for an operator reading the bucket. */
  step: string;
}

/** One limited tag's value in the `wfx-tag-limits` bucket: every holder and every entry, changed only by compare-and-set. */
export interface TagLeases {
  tag: string;
  next_seq: number;
  holders: Record<string, TagLeaseHolder>;
  entries: TagLeaseEntry[];
}

/** This process's own entries as it knows them (the truth for its holder), and its setting. */
export interface OwnLeases {
  holder: string;
  node: string;
  limit: number;
  now: number;
  leaseMs: number;
  /** Steps taken over here that ended: anyone's entries for them go (the process that died holds them until its lease ends). */
  ended?: readonly string[] | undefined;
  /** An entry without `seq` is new: the write gives it one. */
  entries: ReadonlyArray<{ id: string; priority: number; held: boolean; seq?: number | undefined; step: string }>;
}

/** What one write of this process makes of the stored value. */
export interface Reconciled {
  value: TagLeases;
  /** Own entries the write gives a place to. */
  granted: string[];
  /** Sequence numbers the write gave own new entries. */
  seqs: Map<string, number>;
}

export function emptyLeases(tag: string): TagLeases {
  return { tag, next_seq: 1, holders: {}, entries: [] };
}

/** The value without holders whose lease ran out (a node that died or was cut off) and without their entries. */
export function liveLeases(value: TagLeases, now: number): TagLeases {
  const holders = Object.fromEntries(Object.entries(value.holders).filter(([, h]) => h.expires_at > now));
  return { ...value, holders, entries: value.entries.filter((e) => holders[e.holder] !== undefined) };
}

/** The smallest limit any live holder is configured with (and `own`): nodes that disagree never let more run than the strictest. */
export function effectiveLimit(value: TagLeases, own?: number): number {
  return Math.min(own ?? Infinity, ...Object.values(value.holders).map((h) => h.limit));
}

/** Waiting entries in the order they get places: priority first (9 first), then arrival. */
export function lineOf(value: TagLeases): TagLeaseEntry[] {
  return value.entries.filter((e) => !e.held).sort((a, b) => b.priority - a.priority || a.seq - b.seq);
}

/** Places held and entries waiting, as a live value shows them. */
export function countsOf(value: TagLeases, own?: number): { running: number; waiting: number; limit: number } {
  const running = value.entries.filter((e) => e.held).length;
  return { running, waiting: value.entries.length - running, limit: effectiveLimit(value, own) };
}

/** The waiting entries among the first free places, whoever's they are: each process claims its own. */
function firstInLine(value: TagLeases, limit: number): TagLeaseEntry[] {
  const free = Math.max(0, limit - value.entries.filter((e) => e.held).length);
  return lineOf(value).slice(0, free);
}

/** Whether a write by `holder` now would give one of its waiting entries a place (a place freed, or its turn came). */
export function hasClaim(value: TagLeases, holder: string, limit: number, now: number): boolean {
  const live = liveLeases(value, now);
  return firstInLine(live, effectiveLimit(live, limit)).some((e) => e.holder === holder);
}

/** Removes and returns another process's entry for `step`, if the value has one. */
function takeOver(value: TagLeases, step: string): TagLeaseEntry | undefined {
  const index = value.entries.findIndex((e) => e.step === step);
  return index < 0 ? undefined : value.entries.splice(index, 1)[0];
}

/**
 * The value this process writes over `stored`: expired holders dropped, its own holder renewed (or gone, with no
 * entries left), its entries as it knows them (new ones numbered in arrival), and a place for each of its waiting
 * entries that is among the first free ones in line; a new entry takes over another process's for the same step, and
 * the waiting entries of an earlier incarnation of this node are dropped. Pure: a lost compare-and-set simply reconciles the fresh value.
 */
export function reconcile(stored: TagLeases, own: OwnLeases): Reconciled {
  const live = liveLeases(stored, own.now);
  const holders = { ...live.holders };
  delete holders[own.holder];
  // Node ids are unique among live processes: another incarnation of this node is dead, and nobody will claim its turns.
  const earlierSelf = (e: TagLeaseEntry) => !e.held && live.holders[e.holder]?.node === own.node;
  const ended = new Set(own.ended ?? []);
  const value: TagLeases = { tag: live.tag, next_seq: live.next_seq, holders, entries: live.entries.filter((e) => e.holder !== own.holder && !earlierSelf(e) && !ended.has(e.step)) };
  const seqs = new Map<string, number>();
  if (own.entries.length === 0) return { value, granted: [], seqs };
  holders[own.holder] = { node: own.node, limit: own.limit, expires_at: own.now + own.leaseMs };
  const granted: string[] = [];
  for (const entry of own.entries) {
    // A new entry for what another process asked for (it died, or let it go) takes that entry over: its turn, its place.
    const earlier = entry.seq === undefined ? takeOver(value, entry.step) : undefined;
    const seq = entry.seq ?? earlier?.seq ?? value.next_seq++;
    if (entry.seq === undefined) seqs.set(entry.id, seq);
    const held = entry.held || earlier?.held === true;
    if (held && !entry.held) granted.push(entry.id);
    value.entries.push({ id: entry.id, holder: own.holder, priority: entry.priority, seq, held, step: entry.step });
  }
  for (const entry of firstInLine(value, effectiveLimit(value))) {
    if (entry.holder !== own.holder) continue;
    entry.held = true;
    granted.push(entry.id);
  }
  return { value, granted, seqs };
}

/** What a waiter under a limit says (in a step's progress): `what` names it, "tag 'gpu'". */
export function waitingMessage(what: string, value: TagLeases, own: number): string {
  const { running, limit } = countsOf(value, own);
  return `waiting for the cluster limit on ${what} (${running} of ${limit} running)`;
}

function isHolder(v: unknown): v is TagLeaseHolder {
  const h = v as Record<string, unknown>;
  return typeof h === "object" && h !== null && typeof h["node"] === "string" && typeof h["limit"] === "number" && typeof h["expires_at"] === "number";
}

function isEntry(v: unknown): v is TagLeaseEntry {
  const e = v as Record<string, unknown>;
  return typeof e === "object" && e !== null && typeof e["id"] === "string" && typeof e["holder"] === "string" && typeof e["priority"] === "number" && typeof e["seq"] === "number" && typeof e["held"] === "boolean";
}

/** A stored value read back, or undefined when it is not one (the caller then treats the key as unreadable). */
export function leasesOf(value: Record<string, unknown>): TagLeases | undefined {
  const { tag, next_seq, holders, entries } = value;
  if (typeof tag !== "string" || typeof next_seq !== "number" || typeof holders !== "object" || holders === null || !Array.isArray(entries)) return undefined;
  if (!Object.values(holders).every(isHolder) || !entries.every(isEntry)) return undefined;
  return { tag, next_seq, holders: holders as Record<string, TagLeaseHolder>, entries: entries.map((e) => ({ ...e, step: typeof e.step === "string" ? e.step : "" })) };
}
