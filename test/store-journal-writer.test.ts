import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { suite } from "uvu";
import * as assert from "uvu/assert";
import { JournalWriter } from "../src/engine/store/journal-writer.js";

// The writer encodes each line once into a buffer it reuses; what a failed write leaves must survive that reuse.
const test = suite("store - journal writer");
const OPTIONS = { flushIntervalMs: 60_000, maxBufferBytes: 1 << 20, maxSegmentBytes: 1 << 30 };

function segmentText(dir: string): string {
  return readdirSync(dir).filter((name) => name.endsWith(".jsonl")).map((name) => readFileSync(join(dir, name), "utf8")).join("");
}

test("journal writer - lines a failed write left behind go first next time, in order, unchanged by later appends", async () => {
  const root = mkdtempSync(join(tmpdir(), "wfx-writer-"));
  const dir = join(root, "journal");
  writeFileSync(dir, "a file where the journal folder should be");
  const writer = new JournalWriter(dir, OPTIONS, Date.now());
  try {
    writer.append('{"e":1}\n');
    writer.append('{"e":"é2"}\n');
    assert.throws(() => writer.writeBuffered(), (error: { code?: string }) => error.code === "WFX_STORE_WRITE_FAILED");
    // Overwrites the start of the reused buffer, where the failed lines were encoded.
    writer.append('{"e":"zz"}\n');
    rmSync(dir);
    writer.writeBuffered();
    assert.is(segmentText(dir), '{"e":1}\n{"e":"é2"}\n{"e":"zz"}\n');
  } finally {
    await writer.close();
    rmSync(root, { recursive: true, force: true });
  }
});

test("journal writer - a line larger than the buffer grows it; positions point at each line's body", async () => {
  const root = mkdtempSync(join(tmpdir(), "wfx-writer-"));
  const dir = join(root, "journal");
  const writer = new JournalWriter(dir, OPTIONS, Date.now());
  try {
    const small = writer.append("", "ab", "\n");
    const big = "ü".repeat(100_000);
    const at = writer.append("{", big, "}\n");
    assert.is(small, 0);
    assert.is(at, 4, "after 'ab\\n' and the head's one byte");
    assert.is(writer.pending.toString("utf8", at, writer.bodyEnd), big, "the grown buffer kept the earlier line and holds the new one's body");
    writer.writeBuffered();
    assert.is(writer.pending.toString("utf8", at, writer.bodyEnd), big, "still readable after the write, until the next append");
    assert.is(segmentText(dir), `ab\n{${big}}\n`);
  } finally {
    await writer.close();
    rmSync(root, { recursive: true, force: true });
  }
});

test.run();
