import { closeSync, openSync, readSync } from "node:fs";
import { open } from "node:fs/promises";

/** Ranges up to this size are read synchronously: a thread-pool round trip costs more than the read itself. */
const SYNC_READ_BYTES = 256 * 1024;
const CHUNK_BYTES = 4 * 1024 * 1024;
/** Event lines closer than this are fetched with one read. */
const SPAN_GAP_BYTES = 16 * 1024;

export type LineHandler = (text: string, offset: number, bytes: number) => void;

/**
 * Calls `onLine` for every complete line of `path` between byte `from` and `to` and returns the offset just past the
 * last newline. A trailing partial line (being written now, or torn by a crash) is left for the next call.
 */
export async function scanLines(path: string, from: number, to: number, onLine: LineHandler): Promise<number> {
  if (to <= from) return from;
  if (to - from <= SYNC_READ_BYTES) {
    const fd = openSync(path, "r");
    try {
      const data = Buffer.allocUnsafe(to - from);
      const bytesRead = readSync(fd, data, 0, data.length, from);
      return from + splitLines(data.subarray(0, bytesRead), from, onLine);
    } finally {
      closeSync(fd);
    }
  }
  const handle = await open(path, "r");
  try {
    let pos = from;
    let consumed = from;
    let carry: Buffer | undefined;
    while (pos < to) {
      const chunk = Buffer.allocUnsafe(Math.min(CHUNK_BYTES, to - pos));
      const { bytesRead } = await handle.read(chunk, 0, chunk.length, pos);
      if (bytesRead === 0) break;
      pos += bytesRead;
      const data = carry ? Buffer.concat([carry, chunk.subarray(0, bytesRead)]) : chunk.subarray(0, bytesRead);
      const used = splitLines(data, consumed, onLine);
      consumed += used;
      carry = used < data.length ? data.subarray(used) : undefined;
    }
    return consumed;
  } finally {
    await handle.close();
  }
}

/** Hands out each newline-terminated line of `data` (which starts at file offset `base`); returns the bytes used. */
function splitLines(data: Buffer, base: number, onLine: LineHandler): number {
  let start = 0;
  for (let nl = data.indexOf(10, start); nl >= 0; nl = data.indexOf(10, start)) {
    if (nl > start) onLine(data.toString("utf8", start, nl), base + start, nl - start);
    start = nl + 1;
  }
  return start;
}

/** Reads single lines at known offsets (events located by a scan), nearby ones with one read. */
export function readLinesAt(path: string, refs: ReadonlyArray<{ offset: number; bytes: number }>): string[] {
  const order = refs.map((_, i) => i).sort((a, b) => refs[a]!.offset - refs[b]!.offset);
  const out = new Array<string>(refs.length);
  const fd = openSync(path, "r");
  try {
    for (let i = 0; i < order.length; ) {
      const first = refs[order[i]!]!;
      let end = first.offset + first.bytes;
      let j = i + 1;
      while (j < order.length) {
        const next = refs[order[j]!]!;
        if (next.offset - end > SPAN_GAP_BYTES || next.offset + next.bytes - first.offset > CHUNK_BYTES) break;
        end = Math.max(end, next.offset + next.bytes);
        j++;
      }
      const span = Buffer.allocUnsafe(end - first.offset);
      const bytesRead = readSync(fd, span, 0, span.length, first.offset);
      for (let k = i; k < j; k++) {
        const ref = refs[order[k]!]!;
        const start = ref.offset - first.offset;
        out[order[k]!] = span.toString("utf8", start, Math.min(start + ref.bytes, bytesRead));
      }
      i = j;
    }
    return out;
  } finally {
    closeSync(fd);
  }
}

/** Makes a new or renamed directory entry durable; not every platform lets a directory be fsynced, which is fine. */
export async function syncDir(dir: string): Promise<void> {
  try {
    const handle = await open(dir, "r");
    try {
      await handle.sync();
    } finally {
      await handle.close();
    }
  } catch {
    // Best effort.
  }
}
