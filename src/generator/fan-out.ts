/** "each", "every", "for all", "in parallel": one step run once per item of a list. */
export interface FanOutReading {
  words: string;
  concurrency: number;
  /** The clause that asks for it: what it names is what the items are. */
  clause: string;
  /** A file kind the items are (`pdf`), for the listing's glob pattern. */
  extension: string | undefined;
}

const DEFAULT_CONCURRENCY = 4;
/** "every hour" and "each morning" are schedules, not lists. */
const TIME = "(?!(?:morning|evening|night|day|week|month|year|hour|minute|time|monday|tuesday|wednesday|thursday|friday|saturday|sunday|other)s?\\b|\\d)";
const FAN_OUT = new RegExp(`\\b(?:for each|each|every|for all)\\b ${TIME}|\\b(?:in parallel|one by one|one at a time|concurrently)\\b`, "i");
const LIMIT = /\b(?:at most|up to|max(?:imum)?(?: of)?)?\s*(\d{1,3})\s+(?:at a time|at once|in parallel|concurrently)\b/i;
const EXTENSION = /\b(pdf|csv|json|jsonl|txt|md|markdown|log|xml|html|docx|xlsx|yaml|png|jpe?g)s?\b/i;

export function readFanOut(description: string): FanOutReading | undefined {
  const m = FAN_OUT.exec(description);
  if (m === null) return undefined;
  const limit = LIMIT.exec(description);
  const concurrency = limit === null ? DEFAULT_CONCURRENCY : Math.max(1, Number(limit[1]));
  const extension = EXTENSION.exec(description.replace(/\S+\.\w+/g, " "))?.[1]?.toLowerCase().replace(/^markdown$/, "md").replace(/^jpeg$/, "jpg");
  const words = description.slice(m.index, m.index + m[0].length + 24).split(/[,.;]/)[0]!.trim();
  const start = Math.max(0, ...[",", ";", ".", " then "].map((s) => description.lastIndexOf(s, m.index) + s.length));
  const ends = [",", ";", ". ", " then "].map((s) => description.indexOf(s, m.index + m[0].length)).filter((i) => i >= 0);
  const clause = description.slice(start, Math.min(description.length, ...ends));
  return { words, concurrency, extension, clause };
}

/** The glob a fan-out over a folder lists. */
export function listingPattern(fanOut: FanOutReading): string {
  return fanOut.extension === undefined ? "**/*" : `**/*.${fanOut.extension}`;
}
