import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { suite } from "uvu";
import * as assert from "uvu/assert";
import { ByteRing } from "../src/engine/store/byte-ring.js";
import { EmbeddedExecutionStore } from "../src/engine/store/index.js";
import type { ExecutionEvent } from "../src/engine/types.js";
import { runningRecord } from "./helpers/store-records.js";

const test = suite("store - byte ring");

test("byte ring - bytes read back until the ring comes round over them", () => {
  const ring = new ByteRing(128);
  const put = (text: string): number => {
    const bytes = Buffer.from(`[${text}]`);
    return ring.copy(bytes, 1, bytes.length - 1);
  };
  const first = put("héllo");
  assert.is(ring.lastBytes, 6);
  assert.is(ring.read(first, 6), "héllo");
  const texts = ["a", "b", "c", "d", "e", "f"].map((c) => c.repeat(20));
  const at = texts.map(put);
  assert.equal(at, [6, 26, 46, 66, 86, 106]);
  assert.ok(ring.holds(first));
  // 20 more bytes than are left before the end (2): they start over at the beginning.
  assert.is(put("g".repeat(20)), 128);
  assert.not.ok(ring.holds(first));
  assert.is(ring.read(first, 6), undefined);
  assert.is(ring.read(at[0]!, 20), undefined, "its first bytes were written over");
  assert.is(ring.read(at[1]!, 20), "b".repeat(20));
  assert.is(ring.read(at[5]!, 20), "f".repeat(20));
  assert.is(put("z".repeat(129)), -1, "bytes that could never fit are not kept");
});

test("byte ring - an embedded store whose ring came round answers from its journal, the same", async () => {
  const dir = await mkdtemp(join(tmpdir(), "wfx-ring-"));
  const store = await EmbeddedExecutionStore.open({ dataDir: dir, cachedBytes: 4096 });
  try {
    const ids = Array.from({ length: 20 }, (_, i) => `exec-${i}`);
    for (const id of ids) {
      store.putRecord(runningRecord(id));
      for (let seq = 1; seq <= 5; seq++) store.appendEvent({ execution_id: id, seq, type: "step.completed", time: 1000 + seq, step: `s${seq}`, data: { output: "o".repeat(40) } } satisfies ExecutionEvent);
    }
    for (const id of ids) {
      assert.is((await store.getRecord(id))?.execution_id, id);
      const events = await store.getEvents(id, 2);
      assert.equal(events.map((e) => e.seq), [3, 4, 5], id);
      assert.equal(events[0]!.data, { output: "o".repeat(40) });
    }
    assert.equal((await store.listRecords()).map((r) => r.execution_id).sort(), [...ids].sort());
  } finally {
    await store.close();
    await rm(dir, { recursive: true, force: true });
  }
});

test.run();
