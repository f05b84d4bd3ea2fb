import type { Placement } from "../config/index.js";
import type { CapabilityNode } from "./types.js";

/** A capability the description asks for, where it says so, and how strongly. */
export interface CapabilityMention {
  /** The node tag it became (or the word asked for, when no node carries it). */
  tag: string;
  words: string;
  kind: "tags" | "prefer" | "avoid";
}

export interface PlacementReading {
  placement: Placement | undefined;
  mentions: CapabilityMention[];
  warnings: string[];
}

/** Known ways to ask for a capability, and the tag names a cluster may give it (the first a node carries wins). */
const VOCABULARY: readonly { words: RegExp; tags: readonly string[] }[] = [
  { words: /\b(gpus?|cuda|graphics cards?)\b/gi, tags: ["gpu", "gpus", "cuda", "nvidia"] },
  { words: /\b(high[- ]?mem(ory)?|lots of (memory|ram)|large memory|plenty of (memory|ram)|memory[- ]heavy|big[- ]memory|much memory|more memory)\b/gi, tags: ["high-memory", "highmem", "high-mem", "large-memory", "memory"] },
  { words: /\b(eu|europe|european union)\b/gi, tags: ["eu", "europe"] },
  { words: /\b(US|USA|United States)\b|\bin the us\b/g, tags: ["us", "usa"] },
];

/** `on a tpu node`, `on arm64 workers`: a tag asked for by name. */
const NAMED_TAG = /\bon (?:an? |the |some |any )?([a-z0-9][\w-]*) (?:nodes?|machines?|workers?|servers?|hosts?|instances?)\b/gi;
const NOT_TAGS = new Set(["one", "single", "same", "this", "that", "each", "every", "free", "available", "other", "remote", "local", "cluster", "worker", "node", "few", "many", "all", "different", "separate", "idle", "spare"]);
const SOFT = /\b(if (one |it |a [\w-]+ (node )?|any |there )?(is |are )?(free|available|possible|idle)|preferably|preferred|ideally|if you can|otherwise anywhere|where possible|when possible|prefer(ring)?)\b/i;
const AVOID = /\b(not|never|avoid(ing)?|except|outside( of)?|away from)\b[^,.;]{0,12}$/i;

interface Found {
  at: number;
  end: number;
  words: string;
  candidates: readonly string[];
}

/** A capability word is about where to run only in a placement phrase: "on GPU nodes", "in the EU", not "the EU regulations". */
const LEAD = /\b(?:on|in|within|inside|using|with|needs?|requires?)\s+(?:an?\s+|the\s+|some\s+|one\s+)?$/i;
const TAIL = /^[\s-]*(?:nodes?|machines?|workers?|servers?|instances?|only|region)\b/i;

function found(description: string): Found[] {
  const all: Found[] = [];
  for (const entry of VOCABULARY) {
    for (const m of description.matchAll(entry.words)) {
      const end = m.index + m[0].length;
      if (!LEAD.test(description.slice(Math.max(0, m.index - 16), m.index)) && !TAIL.test(description.slice(end))) continue;
      all.push({ at: m.index, end, words: m[0], candidates: entry.tags });
    }
  }
  for (const m of description.matchAll(NAMED_TAG)) {
    const name = m[1]!.toLowerCase();
    const at = m.index + m[0].indexOf(m[1]!);
    if (NOT_TAGS.has(name) || all.some((f) => at < f.end && f.at < at + name.length)) continue;
    all.push({ at, end: at + name.length, words: m[0], candidates: [name] });
  }
  return all.sort((a, b) => a.at - b.at);
}

/** Hard, soft or avoided: by the words just around the mention, not crossing another one or a sentence end. */
function kindOf(description: string, list: Found[], i: number): CapabilityMention["kind"] {
  const f = list[i]!;
  const before = description.slice(Math.max(list[i - 1]?.end ?? 0, f.at - 30), f.at).split(/[,.;]/).at(-1)!;
  const after = description.slice(f.end, Math.min(list[i + 1]?.at ?? Infinity, f.end + 45)).split(/[,.;]/)[0]!;
  if (AVOID.test(before)) return "avoid";
  return SOFT.test(before) || SOFT.test(after) ? "prefer" : "tags";
}

/** "on GPU nodes" rather than "GPU": the mention with the words that make it about nodes. */
function phrase(description: string, f: Found): string {
  if (f.words.includes(" ")) return f.words;
  const lead = /\b(?:on|in|using|with)\s+(?:an?\s+|the\s+|some\s+)?$/i.exec(description.slice(Math.max(0, f.at - 12), f.at))?.[0] ?? "";
  const tail = /^[\s-]*(?:nodes?|machines?|workers?|servers?|instances?)\b/i.exec(description.slice(f.end))?.[0] ?? "";
  return `${lead}${description.slice(f.at, f.end)}${tail}`;
}

const listed = (tags: readonly string[]) => (tags.length === 0 ? "none" : tags.join(", "));

/**
 * What the description asks of the nodes, as `placement:` over the tags the cluster's nodes carry: "on GPU nodes" is a
 * hard tag, "if one is free" or "preferably" makes it a preference, "not on" an avoidance. A tag no node carries is
 * kept out with a warning naming the tags that exist, so the workflow never waits for a node that is not there.
 */
export function readPlacement(description: string, nodes: readonly CapabilityNode[] | undefined): PlacementReading {
  const list = found(description);
  const offered = nodes === undefined ? undefined : [...new Set(nodes.flatMap((n) => n.tags))].sort();
  const mentions: CapabilityMention[] = [];
  const warnings: string[] = [];
  list.forEach((f, i) => {
    const kind = kindOf(description, list, i);
    const tag = offered === undefined ? f.candidates[0]! : (f.candidates.find((c) => offered.includes(c)) ?? offered.find((t) => f.candidates.some((c) => t.startsWith(`${c}-`))));
    if (tag === undefined) {
      warnings.push(`left '${f.words}' out of the placement: no node carries a tag '${f.candidates[0]}' (tags the nodes carry: ${listed(offered!)})`);
      return;
    }
    if (!mentions.some((m) => m.tag === tag)) mentions.push({ tag, words: phrase(description, f), kind });
  });
  // Hard tags are kept while some node carries all of them together; one that would leave no node becomes a preference.
  const hard: string[] = [];
  for (const m of mentions.filter((x) => x.kind === "tags")) {
    if (nodes === undefined || nodes.some((n) => [...hard, m.tag].every((t) => n.tags.includes(t)))) {
      hard.push(m.tag);
      continue;
    }
    m.kind = "prefer";
    warnings.push(`no node carries ${[...hard, m.tag].join(" and ")} together (${nodes.map((n) => `${n.id}: ${listed(n.tags)}`).join("; ")}), so ${m.tag} became a preference`);
  }
  const of = (kind: CapabilityMention["kind"]) => mentions.filter((m) => m.kind === kind).map((m) => m.tag);
  const placement: Placement = {
    ...(of("tags").length > 0 ? { tags: of("tags") } : {}),
    ...(of("prefer").length > 0 ? { prefer: of("prefer") } : {}),
    ...(of("avoid").length > 0 ? { avoid: of("avoid") } : {}),
  };
  if (nodes === undefined && mentions.length > 0) warnings.push(`placement tags ${mentions.map((m) => m.tag).join(", ")} were not checked against any node list`);
  return { placement: Object.keys(placement).length > 0 ? placement : undefined, mentions, warnings };
}
