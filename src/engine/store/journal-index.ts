import { statSync } from "node:fs";
import { setTimeout as sleep } from "node:timers/promises";
import { join } from "node:path";
import type { ExecutionEvent, ExecutionRecord } from "../types.js";
import { parseJournalLine, peekEvent, supersedes, versionOf, type RecordVersion } from "./journal-format.js";
import { readLinesAt, scanLines } from "./journal-scan.js";
import { listJournal } from "./segment-files.js";

/** How long a read keeps starting over while other processes' compactions move the segments it lists. */
const CATCH_UP_RETRY_MS = 10_000;
const CATCH_UP_RETRY_PAUSE_MS = 5;

export interface IndexedRecord extends RecordVersion {
  record: ExecutionRecord;
}

/** Per execution: flat [seq, segment number, offset, bytes] quadruples, which keeps a large index small. */
type EventRefs = number[];

/**
 * What every journal segment in a directory says, read incrementally: the winning version of each record, and
 * where each event line sits (events are read back on demand). When a segment vanishes (a compaction replaced it)
 * the index is rebuilt from scratch.
 */
export class JournalIndex {
  readonly #dir: string;
  readonly #records = new Map<string, IndexedRecord>();
  readonly #events = new Map<string, EventRefs>();
  /** Segment name -> bytes consumed so far. */
  readonly #consumed = new Map<string, number>();
  #segmentNames: string[] = [];
  readonly #segmentNumbers = new Map<string, number>();
  #running: Promise<void> | undefined;
  #queued: Promise<void> | undefined;

  constructor(dir: string) {
    this.#dir = dir;
  }

  /** Reads whatever was appended since the last call. Overlapping calls are merged, never answered with older data. */
  refresh(): Promise<void> {
    if (this.#queued) return this.#queued;
    if (this.#running) {
      const queued = this.#running
        .catch(() => undefined)
        .then(() => {
          this.#queued = undefined;
          return this.refresh();
        });
      this.#queued = queued;
      return queued;
    }
    const running = this.#catchUp().finally(() => {
      this.#running = undefined;
    });
    this.#running = running;
    return running;
  }

  get(executionId: string): IndexedRecord | undefined {
    return this.#records.get(executionId);
  }

  records(): IterableIterator<IndexedRecord> {
    return this.#records.values();
  }

  /** Events with `seq > afterSeq`, in order. A compaction may move them meanwhile: then the index is rebuilt once. */
  async readEvents(executionId: string, afterSeq: number): Promise<ExecutionEvent[]> {
    try {
      return this.#readEventsOnce(executionId, afterSeq);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== "ENOENT") throw err;
      this.#reset();
      await this.refresh();
      return this.#readEventsOnce(executionId, afterSeq);
    }
  }

  #readEventsOnce(executionId: string, afterSeq: number): ExecutionEvent[] {
    const refs = this.#events.get(executionId);
    if (!refs) return [];
    const bySegment = new Map<number, Array<{ seq: number; offset: number; bytes: number }>>();
    for (let i = 0; i < refs.length; i += 4) {
      if (refs[i]! <= afterSeq) continue;
      let list = bySegment.get(refs[i + 1]!);
      if (!list) bySegment.set(refs[i + 1]!, (list = []));
      list.push({ seq: refs[i]!, offset: refs[i + 2]!, bytes: refs[i + 3]! });
    }
    const out: ExecutionEvent[] = [];
    for (const [segment, list] of bySegment) {
      const lines = readLinesAt(join(this.#dir, this.#segmentNames[segment]!), list);
      for (const text of lines) {
        const line = parseJournalLine(text);
        if (line?.kind === "event") out.push(line.event);
      }
    }
    return out.sort((a, b) => a.seq - b.seq);
  }

  async #catchUp(): Promise<void> {
    const deadline = Date.now() + CATCH_UP_RETRY_MS;
    for (;;) {
      try {
        return await this.#catchUpOnce();
      } catch (err) {
        // A segment renamed or deleted between listing and reading (other processes compacting): start over from a new
        // listing, a moment later, for as long as they may take; a fixed count of tries ran out with three at once.
        if ((err as NodeJS.ErrnoException).code !== "ENOENT" || Date.now() > deadline) throw err;
        this.#reset();
        await sleep(CATCH_UP_RETRY_PAUSE_MS);
      }
    }
  }

  async #catchUpOnce(): Promise<void> {
    const { segments } = listJournal(this.#dir);
    const present = new Set(segments.map((s) => s.name));
    for (const name of this.#consumed.keys()) {
      if (!present.has(name)) {
        this.#reset();
        break;
      }
    }
    for (const { name } of segments) {
      const path = join(this.#dir, name);
      const from = this.#consumed.get(name) ?? 0;
      const size = statSync(path).size;
      if (size <= from) continue;
      const segment = this.#segmentNumber(name);
      const to = await scanLines(path, from, size, (text, offset, bytes) => this.#ingest(name, segment, text, offset, bytes));
      this.#consumed.set(name, to);
    }
  }

  #ingest(name: string, segment: number, text: string, offset: number, bytes: number): void {
    const peeked = peekEvent(text);
    if (peeked) return this.#addEvent(peeked.id, peeked.seq, segment, offset, bytes);
    const line = parseJournalLine(text);
    if (!line) return;
    if (line.kind === "event") return this.#addEvent(line.event.execution_id, line.event.seq, segment, offset, bytes);
    const { record, t } = line;
    const candidate: IndexedRecord = { ...versionOf(record, t, name, offset), record };
    const current = this.#records.get(record.execution_id);
    if (!current || supersedes(candidate, current)) this.#records.set(record.execution_id, candidate);
  }

  #addEvent(id: string, seq: number, segment: number, offset: number, bytes: number): void {
    let refs = this.#events.get(id);
    if (!refs) this.#events.set(id, (refs = []));
    // Seqs normally only grow; a repeat (the same event in an input and in its compacted copy) is kept once.
    if (refs.length > 0 && seq <= refs[refs.length - 4]!) {
      for (let i = 0; i < refs.length; i += 4) if (refs[i] === seq) return;
    }
    refs.push(seq, segment, offset, bytes);
  }

  #segmentNumber(name: string): number {
    let n = this.#segmentNumbers.get(name);
    if (n === undefined) {
      n = this.#segmentNames.push(name) - 1;
      this.#segmentNumbers.set(name, n);
    }
    return n;
  }

  #reset(): void {
    this.#records.clear();
    this.#events.clear();
    this.#consumed.clear();
    this.#segmentNames = [];
    this.#segmentNumbers.clear();
  }
}
