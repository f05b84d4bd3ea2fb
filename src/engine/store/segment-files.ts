import { readdirSync } from "node:fs";
import { join } from "node:path";
import { isProcessAlive } from "../process-alive.js";

/**
 * Journal segment names:
 *   `<startMs>-<pid>-<n>.jsonl`            written by one store of process <pid> (n counts its segments)
 *   `compact-<ms>-<pid>-<nonce>.jsonl`     output of a compaction; never written again
 *   `<segment>.claimed-<pid>`              an input being compacted by <pid> (still readable)
 *   `<segment>.tmp-<pid>`                  a compaction output not yet renamed into place (never read)
 */
export interface SegmentFile {
  name: string;
  compacted: boolean;
  /** The writer's pid (for compacted segments: the compactor's, which no longer matters). */
  pid: number;
  claimedBy: number | undefined;
}

const SEGMENT_RE = /^(?:\d+-(\d+)-\d+|compact-\d+-(\d+)-[0-9a-z]+)\.jsonl(?:\.claimed-(\d+))?$/;
const TEMP_RE = /\.jsonl\.tmp-(\d+)$/;

export function writerSegmentName(startMs: number, pid: number, n: number): string {
  return `${startMs}-${pid}-${n}.jsonl`;
}

export function compactedSegmentName(ms: number, pid: number, nonce: string): string {
  return `compact-${ms}-${pid}-${nonce}.jsonl`;
}

export function parseSegmentName(name: string): SegmentFile | undefined {
  const m = SEGMENT_RE.exec(name);
  if (!m) return undefined;
  return { name, compacted: m[2] !== undefined, pid: Number(m[1] ?? m[2]), claimedBy: m[3] === undefined ? undefined : Number(m[3]) };
}

/** The segment name with any `.claimed-<pid>` suffix removed. */
export function baseSegmentName(name: string): string {
  const i = name.indexOf(".claimed-");
  return i < 0 ? name : name.slice(0, i);
}

export interface JournalListing {
  segments: SegmentFile[];
  /** Unfinished compaction outputs with the pid that wrote them. */
  temps: Array<{ name: string; pid: number }>;
}

/** Synchronous: one readdir is cheaper than a thread-pool round trip, and reads list the journal on every call. */
export function listJournal(dir: string): JournalListing {
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === "ENOENT") return { segments: [], temps: [] };
    throw err;
  }
  const segments: SegmentFile[] = [];
  const temps: JournalListing["temps"] = [];
  for (const name of names.sort()) {
    const segment = parseSegmentName(name);
    if (segment) segments.push(segment);
    const temp = TEMP_RE.exec(name);
    if (temp) temps.push({ name, pid: Number(temp[1]) });
  }
  return { segments, temps };
}

/** Segments a store of this process is still appending to, and claims it is compacting now (absolute paths). */
const activeSegments = new Set<string>();

export function markSegmentActive(path: string, active: boolean): void {
  if (active) activeSegments.add(path);
  else activeSegments.delete(path);
}

export function isSegmentActive(path: string): boolean {
  return activeSegments.has(path);
}

/** Nobody will append to it again and nobody else is compacting it. */
export function isCompactable(dir: string, segment: SegmentFile): boolean {
  if (segment.claimedBy === process.pid) return !activeSegments.has(join(dir, segment.name));
  if (segment.claimedBy !== undefined) return !isProcessAlive(segment.claimedBy);
  if (segment.compacted) return true;
  // A pid equal to ours but not active here is a segment of an earlier store (or an earlier boot's process).
  if (segment.pid === process.pid) return !activeSegments.has(join(dir, segment.name));
  return !isProcessAlive(segment.pid);
}
