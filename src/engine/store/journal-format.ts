import type { ExecutionEvent, ExecutionRecord } from "../types.js";
import { TERMINAL_STATUSES } from "../types.js";

/**
 * One journal line is `{"t":<epoch ms>,"r":<record>}` or `{"e":<event>}`. The record's write time orders versions
 * written by different processes; a line that does not parse (a torn tail after a crash) is skipped.
 */
export type JournalLine = { kind: "record"; t: number; record: ExecutionRecord } | { kind: "event"; event: ExecutionEvent };

/** What comes before an event's JSON on its line, and after any line's JSON. */
export const EVENT_LINE_PREFIX = '{"e":';
export const LINE_END = "}\n";

/** What comes before a record's JSON on its line, written at `t`. */
export function recordLinePrefix(t: number): string {
  return `{"t":${t},"r":`;
}

export function recordLine(t: number, recordJson: string): string {
  return `${recordLinePrefix(t)}${recordJson}${LINE_END}`;
}

export function parseJournalLine(text: string): JournalLine | undefined {
  let parsed: { t?: unknown; r?: unknown; e?: unknown };
  try {
    parsed = JSON.parse(text) as typeof parsed;
  } catch {
    return undefined;
  }
  if (parsed === null || typeof parsed !== "object") return undefined;
  const { r, e, t } = parsed;
  if (isKeyed(r) && typeof t === "number") return { kind: "record", t, record: r as ExecutionRecord };
  if (isKeyed(e) && typeof (e as { seq?: unknown }).seq === "number") return { kind: "event", event: e as ExecutionEvent };
  return undefined;
}

function isKeyed(value: unknown): boolean {
  return value !== null && typeof value === "object" && typeof (value as { execution_id?: unknown }).execution_id === "string";
}

/** Where a record version was read from; decides which of two versions of one execution wins. */
export interface RecordVersion {
  terminal: boolean;
  t: number;
  segment: string;
  offset: number;
}

export function versionOf(record: ExecutionRecord, t: number, segment: string, offset: number): RecordVersion {
  return { terminal: TERMINAL_STATUSES.has(record.status), t, segment, offset };
}

/** An ended execution never goes back to running; otherwise the later write wins (then segment name, then offset). */
export function supersedes(candidate: RecordVersion, current: RecordVersion): boolean {
  if (candidate.terminal !== current.terminal) return candidate.terminal;
  if (candidate.t !== current.t) return candidate.t > current.t;
  if (candidate.segment !== current.segment) return candidate.segment > current.segment;
  return candidate.offset > current.offset;
}

const EVENT_PREFIX = '{"e":{"execution_id":"';
const SEQ_KEY = ',"seq":';

/**
 * The execution id and seq of an event line without parsing all of it (the engine writes `execution_id` then
 * `seq` first). Undefined when the line has another shape; callers then fall back to `parseJournalLine`.
 */
export function peekEvent(text: string): { id: string; seq: number } | undefined {
  if (!text.startsWith(EVENT_PREFIX) || !text.endsWith("}}")) return undefined;
  const idEnd = text.indexOf('"', EVENT_PREFIX.length);
  if (idEnd < 0) return undefined;
  const id = text.slice(EVENT_PREFIX.length, idEnd);
  if (id.includes("\\") || !text.startsWith(SEQ_KEY, idEnd + 1)) return undefined;
  let i = idEnd + 1 + SEQ_KEY.length;
  const first = i;
  let seq = 0;
  for (let c = text.charCodeAt(i); c >= 48 && c <= 57; c = text.charCodeAt(++i)) seq = seq * 10 + (c - 48);
  const after = text[i];
  return i > first && i - first < 16 && (after === "," || after === "}") ? { id, seq } : undefined;
}
