import { randomBytes } from "node:crypto";
import { open, rename, stat, unlink } from "node:fs/promises";
import { join } from "node:path";
import type { ExecutionRecord } from "../types.js";
import { parseJournalLine, recordLine, supersedes, versionOf, type RecordVersion } from "./journal-format.js";
import { scanLines, syncDir } from "./journal-scan.js";
import { isProcessAlive } from "../process-alive.js";
import { baseSegmentName, compactedSegmentName, isCompactable, isSegmentActive, listJournal, markSegmentActive, type SegmentFile } from "./segment-files.js";
import { given } from "../../present.js";

export interface CompactionOptions {
  retentionMs: number;
  now: () => number;
}

export interface CompactionResult {
  /** Segments merged (0: nothing to do). */
  inputs: number;
  keptExecutions: number;
  droppedExecutions: number;
  /** The new segment's name, when one was written. */
  output?: string;
}

interface Merged {
  records: Map<string, RecordVersion & { record: ExecutionRecord }>;
  /** execution id -> seq -> the event line as written. */
  events: Map<string, Map<number, { line: string; time: number }>>;
}

const NOTHING: CompactionResult = { inputs: 0, keptExecutions: 0, droppedExecutions: 0 };

/**
 * Merges the closed segments of a journal (writers that exited, earlier compactions) into one, keeping the winning
 * version of each record and dropping executions that ended more than `retentionMs` ago. Inputs are claimed by an
 * atomic rename so two processes never merge the same segment; the output is written to a temp file, fsynced and
 * renamed into place before any input is deleted, so a crash at any point loses nothing.
 */
export async function compactJournal(dir: string, options: CompactionOptions): Promise<CompactionResult> {
  const listing = listJournal(dir);
  for (const temp of listing.temps) {
    if (!isProcessAlive(temp.pid) || (temp.pid === process.pid && !isSegmentActive(join(dir, temp.name)))) await unlinkQuietly(join(dir, temp.name));
  }
  const candidates = listing.segments.filter((segment) => isCompactable(dir, segment));
  if (candidates.length === 0) return NOTHING;
  const cutoffMs = options.now() - options.retentionMs;
  // A lone compacted segment is rewritten only when something in it expired; compacted segments never change, so
  // the read that found out serves as the merge.
  let alone: Merged | undefined;
  if (candidates.length === 1 && candidates[0]!.compacted && candidates[0]!.claimedBy === undefined) {
    alone = await merge(dir, [candidates[0]!.name]);
    if (!hasExpired(alone, cutoffMs)) return NOTHING;
  }
  const claimed = await claim(dir, candidates);
  try {
    if (claimed.length === 0) return NOTHING;
    const merged = alone !== undefined && claimed.length === 1 ? alone : await merge(dir, claimed);
    const dropped = dropExpired(merged, cutoffMs);
    const kept = new Set([...merged.records.keys(), ...merged.events.keys()]).size;
    let output: string | undefined;
    if (kept > 0) {
      output = compactedSegmentName(options.now(), process.pid, randomBytes(4).toString("hex"));
      await writeAtomically(dir, output, merged);
    }
    for (const name of claimed) await unlinkQuietly(join(dir, name));
    return { inputs: claimed.length, keptExecutions: kept, droppedExecutions: dropped, ...given({ output }) };
  } finally {
    for (const name of claimed) markSegmentActive(join(dir, name), false);
  }
}

async function claim(dir: string, candidates: SegmentFile[]): Promise<string[]> {
  const claimed: string[] = [];
  for (const segment of candidates) {
    const name = `${baseSegmentName(segment.name)}.claimed-${process.pid}`;
    markSegmentActive(join(dir, name), true);
    try {
      await rename(join(dir, segment.name), join(dir, name));
      claimed.push(name);
    } catch (err) {
      markSegmentActive(join(dir, name), false);
      // Another process claimed it first.
      if ((err as NodeJS.ErrnoException).code !== "ENOENT") throw err;
    }
  }
  return claimed;
}

async function merge(dir: string, names: string[]): Promise<Merged> {
  const merged: Merged = { records: new Map(), events: new Map() };
  for (const name of names) {
    const path = join(dir, name);
    await scanLines(path, 0, (await stat(path)).size, (text, offset) => {
      const line = parseJournalLine(text);
      if (!line) return;
      if (line.kind === "record") {
        const candidate = { ...versionOf(line.record, line.t, name, offset), record: line.record };
        const current = merged.records.get(line.record.execution_id);
        if (!current || supersedes(candidate, current)) merged.records.set(line.record.execution_id, candidate);
        return;
      }
      const { execution_id: id, seq, time } = line.event;
      let events = merged.events.get(id);
      if (!events) merged.events.set(id, (events = new Map()));
      if (!events.has(seq)) events.set(seq, { line: text, time });
    });
  }
  return merged;
}

/** When an execution ended (ms); undefined while it has not. */
function endedAtMs(entry: RecordVersion & { record: ExecutionRecord }): number | undefined {
  if (!entry.terminal) return undefined;
  return typeof entry.record.end_time === "number" ? entry.record.end_time * 1000 : entry.t;
}

function isExpired(merged: Merged, id: string, cutoffMs: number): boolean {
  const entry = merged.records.get(id);
  if (entry) {
    const ended = endedAtMs(entry);
    return ended !== undefined && ended < cutoffMs;
  }
  // Events whose record never reached the journal: kept while any of them is recent.
  let latest = -Infinity;
  for (const { time } of merged.events.get(id)?.values() ?? []) latest = Math.max(latest, time);
  return latest < cutoffMs;
}

function hasExpired(merged: Merged, cutoffMs: number): boolean {
  for (const id of new Set([...merged.records.keys(), ...merged.events.keys()])) if (isExpired(merged, id, cutoffMs)) return true;
  return false;
}

function dropExpired(merged: Merged, cutoffMs: number): number {
  let dropped = 0;
  for (const id of new Set([...merged.records.keys(), ...merged.events.keys()])) {
    if (!isExpired(merged, id, cutoffMs)) continue;
    merged.records.delete(id);
    merged.events.delete(id);
    dropped++;
  }
  return dropped;
}

async function writeAtomically(dir: string, name: string, merged: Merged): Promise<void> {
  const temp = `${name}.tmp-${process.pid}`;
  markSegmentActive(join(dir, temp), true);
  const handle = await open(join(dir, temp), "wx");
  try {
    let batch: string[] = [];
    let batchChars = 0;
    const push = async (line: string): Promise<void> => {
      batch.push(line);
      batchChars += line.length;
      if (batchChars < 1 << 20) return;
      await handle.write(batch.join(""));
      batch = [];
      batchChars = 0;
    };
    for (const [id, entry] of merged.records) {
      await push(recordLine(entry.t, JSON.stringify(entry.record)));
      for (const event of sortedEvents(merged, id)) await push(`${event}\n`);
      merged.events.delete(id);
    }
    for (const id of merged.events.keys()) for (const event of sortedEvents(merged, id)) await push(`${event}\n`);
    if (batch.length > 0) await handle.write(batch.join(""));
    await handle.sync();
    await handle.close();
    await rename(join(dir, temp), join(dir, name));
    await syncDir(dir);
  } catch (err) {
    await handle.close().catch(() => undefined);
    await unlinkQuietly(join(dir, temp));
    throw err;
  } finally {
    markSegmentActive(join(dir, temp), false);
  }
}

function sortedEvents(merged: Merged, id: string): string[] {
  return [...(merged.events.get(id) ?? [])].sort((a, b) => a[0] - b[0]).map(([, e]) => e.line);
}

async function unlinkQuietly(path: string): Promise<void> {
  await unlink(path).catch(() => undefined);
}
