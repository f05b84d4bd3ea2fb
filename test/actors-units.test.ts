import { test } from "uvu";
import * as assert from "uvu/assert";
import { backoffDelay, SimulatedClock, systemClock } from "../src/actors/index.js";
import { Mailbox } from "../src/actors/internal.js";

test("mailbox - keeps FIFO order across many pushes and shifts", () => {
  const box = new Mailbox<number>();
  const out: number[] = [];
  let next = 0;
  for (let round = 0; round < 50; round++) {
    for (let i = 0; i < 100; i++) box.push(next++);
    for (let i = 0; i < 60; i++) out.push(box.shift()!);
  }
  while (box.size > 0) out.push(box.shift()!);
  assert.is(out.length, next);
  assert.ok(out.every((v, i) => v === i));
  assert.is(box.shift(), undefined);
});

test("mailbox - offer refuses beyond capacity, push does not", () => {
  const box = new Mailbox<string>(2);
  assert.ok(box.offer("a"));
  assert.ok(box.offer("b"));
  assert.not.ok(box.offer("c"));
  assert.ok(box.isFull);
  box.push("signal");
  assert.is(box.size, 3);
  assert.is(box.shift(), "a");
  assert.is(box.shift(), "b");
  assert.is(box.shift(), "signal");
  assert.ok(box.offer("d"));
});

test("mailbox - retain keeps order of the kept items", () => {
  const box = new Mailbox<number>();
  for (let i = 0; i < 10; i++) box.push(i);
  box.shift();
  box.retain((n) => n % 2 === 0);
  const out: number[] = [];
  while (box.size > 0) out.push(box.shift()!);
  assert.equal(out, [2, 4, 6, 8]);
});

test("clock - simulated advance runs due timers in time order, including ones added meanwhile", () => {
  const clock = new SimulatedClock(1000);
  const fired: string[] = [];
  clock.setTimeout(() => fired.push(`b@${clock.now()}`), 20);
  clock.setTimeout(() => {
    fired.push(`a@${clock.now()}`);
    clock.setTimeout(() => fired.push(`c@${clock.now()}`), 5);
  }, 10);
  const cancelled = clock.setTimeout(() => fired.push("never"), 15);
  clock.setTimeout(() => fired.push(`late@${clock.now()}`), 100);
  clock.clearTimeout(cancelled);
  clock.advance(50);
  assert.equal(fired, ["a@1010", "c@1015", "b@1020"]);
  assert.is(clock.now(), 1050);
  assert.is(clock.pendingTimers, 1);
  clock.advance(50);
  assert.equal(fired.at(-1), "late@1100");
});

test("clock - system clock uses real timers", async () => {
  const before = systemClock.now();
  await new Promise<void>((resolve) => systemClock.setTimeout(resolve, 2));
  assert.ok(systemClock.now() >= before);
  let ran = false;
  const handle = systemClock.setTimeout(() => (ran = true), 1);
  systemClock.clearTimeout(handle);
  // A timer set later for longer fires after the cleared one was due: by then it would have run.
  await new Promise<void>((resolve) => systemClock.setTimeout(resolve, 2));
  assert.not.ok(ran);
});

test("backoff - grows exponentially and is capped at maxMs", () => {
  const policy = { initialMs: 100, maxMs: 1000, multiplier: 2, jitter: 0 };
  assert.equal([1, 2, 3, 4, 5, 6].map((n) => backoffDelay(policy, n)), [100, 200, 400, 800, 1000, 1000]);
  assert.is(backoffDelay(policy, 0), 100);
  assert.is(backoffDelay(policy, 10_000), 1000);
});

test("backoff - jitter randomises only its share of the delay", () => {
  const policy = { initialMs: 100, maxMs: 1000, multiplier: 2, jitter: 0.5 };
  assert.is(backoffDelay(policy, 2, () => 0), 100);
  assert.is(backoffDelay(policy, 2, () => 1), 200);
  assert.is(backoffDelay(policy, 2, () => 0.5), 150);
  for (let i = 0; i < 100; i++) {
    const d = backoffDelay(policy, 3);
    assert.ok(d >= 200 && d <= 400);
  }
});

test.run();
