import { test } from "uvu";
import * as assert from "uvu/assert";
import { QueueOrder } from "../src/engine/queue/queue-order.js";

interface Item {
  id: string;
  priority: number;
  key: string;
}

function order(items: readonly Item[]): QueueOrder<Item> {
  const q = new QueueOrder<Item>();
  for (const item of items) q.add(item);
  return q;
}

function drain(q: QueueOrder<Item>, mayStart?: (item: Item) => boolean): string[] {
  const out: string[] = [];
  for (let next = q.take(mayStart); next !== undefined; next = q.take(mayStart)) out.push(next.id);
  return out;
}

const item = (id: string, priority: number, key: string): Item => ({ id, priority, key });

test("queue order - a higher priority starts first, whatever arrived before it", () => {
  const q = order([item("a", 0, "k"), item("b", 0, "k"), item("c", 9, "k"), item("d", 5, "k")]);
  assert.equal(drain(q), ["c", "d", "a", "b"]);
});

test("queue order - within a priority, keys take turns and each key keeps its arrival order", () => {
  const busy = Array.from({ length: 6 }, (_, i) => item(`a${i}`, 5, "a"));
  const q = order([...busy, item("b0", 5, "b"), item("b1", 5, "b"), item("c0", 5, "c")]);
  assert.equal(drain(q), ["a0", "b0", "c0", "a1", "b1", "a2", "a3", "a4", "a5"]);
});

test("queue order - a key that arrives late is served within one round of the busy key", () => {
  const q = new QueueOrder<Item>();
  for (let i = 0; i < 200; i++) q.add(item(`a${i}`, 5, "a"));
  const first = drain_n(q, 10);
  q.add(item("b0", 5, "b"));
  q.add(item("c0", 5, "c"));
  const next = drain_n(q, 3);
  assert.equal(first, Array.from({ length: 10 }, (_, i) => `a${i}`));
  assert.equal(next.sort(), ["a10", "b0", "c0"]);
});

function drain_n(q: QueueOrder<Item>, n: number): string[] {
  const out: string[] = [];
  for (let i = 0; i < n; i++) out.push(q.take()!.id);
  return out;
}

test("queue order - a key held by its limit is passed over, and keeps its place for when it frees", () => {
  const q = order([item("a0", 5, "a"), item("a1", 5, "a"), item("b0", 5, "b"), item("b1", 5, "b")]);
  assert.equal(drain(q, (e) => e.key !== "a"), ["b0", "b1"]);
  assert.equal(q.size, 2);
  assert.equal(drain(q), ["a0", "a1"]);
});

test("queue order - a held high priority does not block a lower one that may start", () => {
  const q = order([item("hi", 9, "held"), item("lo", 0, "free")]);
  assert.is(q.take((e) => e.key !== "held")?.id, "lo");
  assert.is(q.take()?.id, "hi");
});

test("queue order - removed entries never start, and depth and positions follow", () => {
  const q = order([item("a0", 5, "a"), item("a1", 5, "a"), item("b0", 5, "b"), item("h", 9, "a")]);
  assert.equal(q.depthByPriority()[5], 3);
  assert.is(q.positionOf("h"), 1);
  assert.is(q.positionOf("a1"), 4);
  assert.ok(q.remove("a0"));
  assert.not.ok(q.remove("a0"));
  assert.is(q.positionOf("a1"), 3);
  assert.equal(q.aheadOf(5), 3);
  assert.equal(drain(q), ["h", "a1", "b0"]);
  assert.equal(q.depthByPriority(), [0, 0, 0, 0, 0, 0, 0, 0, 0, 0]);
  assert.is(q.positionOf("a1"), undefined);
});

test("queue order - a long line stays correct through compaction", () => {
  const q = new QueueOrder<Item>();
  for (let i = 0; i < 5000; i++) q.add(item(`a${i}`, 5, "a"));
  const taken = drain_n(q, 3000);
  for (let i = 0; i < 10; i++) q.add(item(`x${i}`, 5, "a"));
  const rest = drain(q);
  assert.is(taken[2999], "a2999");
  assert.is(rest.length, 2010);
  assert.equal([rest[0], rest[1999], rest[2000], rest[2009]], ["a3000", "a4999", "x0", "x9"]);
});

test.run();
