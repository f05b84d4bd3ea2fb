import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "uvu";
import * as assert from "uvu/assert";
import { canonicalJson, EmbeddedExecutionStore, IdempotencyKeys, MemoryExecutionStore, requestHash, type ExecutionRecord, type ExecutionStore } from "../src/engine/index.js";

const HOUR = 3600_000;
const dirs: string[] = [];

test.after(() => {
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

/** Keys over `store` on a clock the test moves; `recorded` stands for the executions the runtime has recorded. */
function keysOver(store: ExecutionStore, clock: { now: number }, recorded: Set<string>): IdempotencyKeys {
  return new IdempotencyKeys(store, { windowMs: HOUR, now: () => clock.now, lookup: async (id) => (recorded.has(id) ? ({ execution_id: id } as ExecutionRecord) : undefined) });
}

async function embeddedStore(): Promise<ExecutionStore> {
  const dataDir = mkdtempSync(join(tmpdir(), "wfx-idem-"));
  dirs.push(dataDir);
  return EmbeddedExecutionStore.open({ dataDir });
}

test("idempotency keys - the first claim wins; the same request then gets the winner's execution", async () => {
  const recorded = new Set<string>();
  const keys = keysOver(new MemoryExecutionStore(), { now: 1_000 }, recorded);
  assert.is(await keys.claim("token-a", "k1", { input: 1 }, "e1"), undefined);
  recorded.add("e1");
  const again = await keys.claim("token-a", "k1", { input: 1 }, "e2");
  assert.equal([again?.execution_id, again?.created_ms], ["e1", 1_000]);
});

test("idempotency keys - the same key with a different request is refused with WFX_IDEMPOTENCY_KEY_REUSED", async () => {
  const keys = keysOver(new MemoryExecutionStore(), { now: 1_000 }, new Set(["e1"]));
  await keys.claim("token-a", "k1", { input: 1 }, "e1");
  const error = await keys.claim("token-a", "k1", { input: 2 }, "e2").catch((e: unknown) => e);
  assert.is((error as { code?: string }).code, "WFX_IDEMPOTENCY_KEY_REUSED");
  assert.match((error as Error).message, "execution e1");
});

test("idempotency keys - scopes are apart: another scope's same key is a new claim", async () => {
  const keys = keysOver(new MemoryExecutionStore(), { now: 1_000 }, new Set(["e1"]));
  await keys.claim("token-a", "k1", { input: 1 }, "e1");
  assert.is(await keys.claim("token-b", "k1", { input: 2 }, "e2"), undefined);
  assert.is(await keys.claim('token-a","k1', "", {}, "e3"), undefined, "a scope cannot be spelled to reach another's key");
});

test("idempotency keys - an expired claim is replaced exactly once when ten requests find it at the same time", async () => {
  const store = await embeddedStore();
  const clock = { now: 1_000 };
  const recorded = new Set(["old"]);
  const keys = keysOver(store, clock, recorded);
  await keys.claim("t", "k", { input: 1 }, "old");
  clock.now += HOUR;
  const outcomes = await Promise.all(Array.from({ length: 10 }, (_, i) => keys.claim("t", "k", { input: 1 }, `new-${i}`).then((c) => {
    // The winner records its execution; the others see it once it is recorded.
    if (c === undefined) recorded.add(`new-${i}`);
    return c?.execution_id ?? `new-${i}`;
  })));
  assert.is(new Set(outcomes).size, 1, outcomes.join(", "));
  assert.is.not(outcomes[0], "old");
  await store.close();
});

test("idempotency keys - a claim whose execution was never recorded (its process died) is taken over after 10 s", async () => {
  const clock = { now: 1_000 };
  const keys = keysOver(new MemoryExecutionStore(), clock, new Set());
  await keys.claim("t", "k", { input: 1 }, "never-started");
  clock.now += 10_000;
  assert.is(await keys.claim("t", "k", { input: 1 }, "second"), undefined);
});

test("idempotency keys - a forgotten key is free again", async () => {
  const keys = keysOver(new MemoryExecutionStore(), { now: 1_000 }, new Set());
  await keys.claim("t", "k", { input: 1 }, "e1");
  await keys.forget("t", "k");
  assert.is(await keys.claim("t", "k", { input: 2 }, "e2"), undefined);
});

test("idempotency keys - the request hash ignores key order and undefined members, not values", () => {
  assert.is(canonicalJson({ b: [1, { d: 2, c: undefined }], a: "x" }), '{"a":"x","b":[1,{"d":2}]}');
  assert.is(requestHash({ a: 1, b: { c: 2 } }), requestHash({ b: { c: 2 }, a: 1 }));
  assert.is.not(requestHash({ a: 1 }), requestHash({ a: "1" }));
});

test.run();
