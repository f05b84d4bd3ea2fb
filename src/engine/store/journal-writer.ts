import { fdatasync, close as closeFd, mkdirSync, openSync, writeSync } from "node:fs";
import { join } from "node:path";
import { promisify } from "node:util";
import { StoreError, storeClosed } from "./errors.js";
import { syncDir } from "./journal-scan.js";
import { markSegmentActive, writerSegmentName } from "./segment-files.js";

const fdatasyncAsync = promisify(fdatasync);
const closeAsync = promisify(closeFd);

export interface JournalWriterOptions {
  flushIntervalMs: number;
  maxBufferBytes: number;
  maxSegmentBytes: number;
}

interface OpenSegment {
  path: string;
  fd: number;
  bytes: number;
  syncing: Promise<void> | undefined;
}

const INITIAL_PENDING_BYTES = 64 * 1024;

/** Per process, so two stores opened in the same millisecond still get distinct segment names. */
let segmentCounter = 0;
const openWriters = new Set<JournalWriter>();
let exitHookInstalled = false;

/** On a plain exit the last few milliseconds of writes still reach the file (no fsync: the OS will write it). */
function writeAllOnExit(): void {
  for (const writer of openWriters) {
    try {
      writer.writeBuffered();
    } catch {
      // Nothing more can be done while the process exits.
    }
  }
}

/**
 * Appends journal lines for one store. `append` only adds to a memory buffer; the buffer goes to the segment file
 * with one write every `flushIntervalMs`, or at once when it passes `maxBufferBytes`. `sync` adds fdatasync.
 */
export class JournalWriter {
  readonly #dir: string;
  readonly #options: JournalWriterOptions;
  readonly #startMs: number;
  /** Lines appended since the last write, already UTF-8: encoded once here, written from here, copied from here. */
  #pending: Buffer = Buffer.allocUnsafeSlow(INITIAL_PENDING_BYTES);
  #pendingBytes = 0;
  #bodyEnd = 0;
  /** Bytes a failed write left behind; they go first next time so no line is torn or reordered. */
  #unwritten: Buffer | undefined;
  #segment: OpenSegment | undefined;
  readonly #retiring = new Set<Promise<void>>();
  #timer: NodeJS.Timeout | undefined;
  #dirty = false;
  /** A new segment's directory entry must reach the disk too, once. */
  #dirNeedsSync = false;
  #lastError: unknown;
  #closed = false;

  constructor(dir: string, options: JournalWriterOptions, startMs: number) {
    this.#dir = dir;
    this.#options = options;
    this.#startMs = startMs;
    openWriters.add(this);
    if (!exitHookInstalled) {
      exitHookInstalled = true;
      process.on("exit", writeAllOnExit);
    }
  }

  /**
   * Adds the line `head + body + tail` to what the next write takes, encoded piece by piece (no joined string is made);
   * returns where `body`'s bytes start in `pending`. They end at `bodyEnd`, and stay there until the next append.
   */
  append(head: string, body = "", tail = ""): number {
    if (this.#closed) throw storeClosed();
    // UTF-8 takes at most 3 bytes per UTF-16 unit.
    const most = (head.length + body.length + tail.length) * 3;
    if (this.#pendingBytes + most > this.#pending.length) this.#grow(this.#pendingBytes + most);
    const pending = this.#pending;
    let at = this.#pendingBytes;
    at += pending.write(head, at);
    const start = at;
    at += pending.write(body, at);
    this.#bodyEnd = at;
    this.#pendingBytes = at + pending.write(tail, at);
    if (this.#pendingBytes >= this.#options.maxBufferBytes) this.#writeQuietly();
    else this.#timer ??= setTimeout(() => this.#onTimer(), this.#options.flushIntervalMs).unref();
    return start;
  }

  /** The buffer `append`'s positions point into; read it before the next append (a write leaves it as it is). */
  get pending(): Buffer {
    return this.#pending;
  }

  /** Where the last appended line's body ends in `pending` (bytes). */
  get bodyEnd(): number {
    return this.#bodyEnd;
  }

  #grow(needed: number): void {
    let size = this.#pending.length * 2;
    while (size < needed) size *= 2;
    const grown = Buffer.allocUnsafeSlow(size);
    this.#pending.copy(grown, 0, 0, this.#pendingBytes);
    this.#pending = grown;
  }

  /** Writes the buffer to the segment file now (visible to readers, not yet fsynced). */
  writeBuffered(): void {
    if (this.#pendingBytes === 0 && !this.#unwritten) return;
    // The pending buffer is reused once written: what a failed write leaves behind is copied out of it.
    let data = this.#pending.subarray(0, this.#pendingBytes);
    if (this.#unwritten) data = Buffer.concat([this.#unwritten, data]);
    this.#unwritten = undefined;
    let written = 0;
    try {
      const segment = this.#ensureSegment();
      while (written < data.length) written += writeSync(segment.fd, data, written, data.length - written);
      segment.bytes += written;
      this.#dirty = true;
      this.#lastError = undefined;
      if (segment.bytes >= this.#options.maxSegmentBytes) this.#retire(segment);
    } catch (err) {
      this.#unwritten = Buffer.from(data.subarray(written));
      this.#lastError = err;
      throw new StoreError("WFX_STORE_WRITE_FAILED", `could not write the execution journal in ${this.#dir}: ${(err as Error).message}`, {
        hint: "check that the data dir (WFX_DATA_DIR) is writable and the disk is not full",
        cause: err,
        retryable: true,
      });
    } finally {
      this.#pendingBytes = 0;
    }
  }

  /** Everything appended so far is on disk when this resolves. */
  async sync(): Promise<void> {
    this.writeBuffered();
    const segment = this.#segment;
    if (segment && this.#dirty) {
      this.#dirty = false;
      // Chained, so a retiring segment closes its fd only after every fdatasync on it has finished.
      const previous = segment.syncing;
      const syncing = (async () => {
        await previous?.catch(() => undefined);
        await fdatasyncAsync(segment.fd);
      })();
      segment.syncing = syncing;
      try {
        await syncing;
      } finally {
        if (segment.syncing === syncing) segment.syncing = undefined;
      }
    } else if (segment?.syncing) {
      // Someone else's fdatasync covers our writes too; it must finish before we report them durable.
      await segment.syncing;
    }
    if (this.#dirNeedsSync) {
      this.#dirNeedsSync = false;
      await syncDir(this.#dir);
    }
    await Promise.all(this.#retiring);
  }

  get lastError(): unknown {
    return this.#lastError;
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    try {
      await this.sync();
    } finally {
      this.#closed = true;
      if (this.#timer) clearTimeout(this.#timer);
      this.#timer = undefined;
      openWriters.delete(this);
      if (this.#segment) this.#retire(this.#segment);
      await Promise.all(this.#retiring);
    }
  }

  #onTimer(): void {
    this.#timer = undefined;
    this.#writeQuietly();
  }

  /** Timer and size-triggered writes must not throw into unrelated callers; a failure is retried and `flush` reports it. */
  #writeQuietly(): void {
    try {
      this.writeBuffered();
    } catch {
      if (!this.#closed) this.#timer ??= setTimeout(() => this.#onTimer(), Math.max(this.#options.flushIntervalMs, 100)).unref();
    }
  }

  #ensureSegment(): OpenSegment {
    if (this.#segment) return this.#segment;
    mkdirSync(this.#dir, { recursive: true });
    const path = join(this.#dir, writerSegmentName(this.#startMs, process.pid, segmentCounter++));
    const fd = openSync(path, "ax");
    markSegmentActive(path, true);
    this.#dirNeedsSync = true;
    this.#segment = { path, fd, bytes: 0, syncing: undefined };
    return this.#segment;
  }

  /** Stops appending to a segment: fsync and close it in the background; it becomes compactable. */
  #retire(segment: OpenSegment): void {
    if (this.#segment === segment) this.#segment = undefined;
    const dirty = this.#dirty;
    this.#dirty = false;
    const retiring = (async () => {
      try {
        await segment.syncing?.catch(() => undefined);
        if (dirty) await fdatasyncAsync(segment.fd);
      } finally {
        await closeAsync(segment.fd).catch(() => undefined);
        markSegmentActive(segment.path, false);
      }
    })();
    this.#retiring.add(retiring);
    void retiring.finally(() => this.#retiring.delete(retiring)).catch(() => undefined);
  }
}

