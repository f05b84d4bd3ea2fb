import { test } from "uvu";
import * as assert from "uvu/assert";
import type { EventSink, ExecutionEvent, ExecutionRecord } from "../src/engine/index.js";
import { WatchFanOut } from "../src/gateway/operations/index.js";
import { eventually, loadSource, memoryRuntime } from "./helpers/engine-fixture.js";
import { GATEWAY_WORKFLOWS } from "./helpers/gateway-node.js";

const runtime = memoryRuntime();
const source = await loadSource(`${GATEWAY_WORKFLOWS}/gateway.yaml`);

test.after(() => runtime.close());

/** The runtime as the fan-out's client, counting the followers it starts, those still running, and store reads. */
function countingClient() {
  const counts = { started: 0, running: 0, reads: 0 };
  const client = {
    events(executionId: string, afterSeq?: number): Promise<ExecutionEvent[]> {
      counts.reads++;
      return runtime.events(executionId, afterSeq);
    },
    watch(executionId: string, afterSeq: number, sink: EventSink, signal?: AbortSignal): Promise<ExecutionRecord | undefined> {
      counts.started++;
      counts.running++;
      return runtime.watch(executionId, afterSeq, sink, signal).finally(() => counts.running--);
    },
  };
  return { counts, fanOut: new WatchFanOut(client) };
}

function ticker(count: number, everyMs: number, delayMs = 0): string {
  return runtime.start({ source, workflowName: "ticker", input: { count, every_ms: everyMs, delay_ms: delayMs } }).executionId;
}

/** A sink that keeps what it is given; full after every `fullEvery`-th event, room again `drainMs` later. */
function keeping(fullEvery = 0, drainMs = 0) {
  const seen: ExecutionEvent[] = [];
  let pauses = 0;
  const sink: EventSink = {
    write: (event) => seen.push(event) % (fullEvery || Infinity) !== 0,
    onDrain: (resume) => (pauses++, setTimeout(resume, drainMs)),
  };
  return { seen, sink, pauses: () => pauses };
}

function assertInOrder(seen: ExecutionEvent[], what: string): void {
  assert.equal(seen.map((e) => e.seq), seen.map((_, i) => i + 1), `${what}: no gaps, no repeats`);
}

function assertComplete(seen: ExecutionEvent[], what: string): void {
  assertInOrder(seen, what);
  assert.is(seen.at(-1)!.type, "execution.completed", what);
}

test("watch fan-out - watchers in step share one follower; each gets every event once, in order, as the same object", async () => {
  const { counts, fanOut } = countingClient();
  const id = ticker(20, 5, 50);
  const watchers = Array.from({ length: 20 }, () => keeping());
  const records = await Promise.all(watchers.map((w) => fanOut.follow(id, 0, w.sink)));
  assert.ok(records.every((r) => r?.status === "completed"));
  watchers.forEach((w, i) => assertComplete(w.seen, `watcher ${i}`));
  assert.is(counts.started, 1, "one follower for all twenty");
  assert.ok(watchers.every((w) => w.seen.every((event, k) => event === watchers[0]!.seen[k])), "the same event objects: encoded once for all");
});

test("watch fan-out - a late watcher replays alone from the store, then joins the others' follower", async () => {
  const { counts, fanOut } = countingClient();
  const id = ticker(60, 10);
  const early = keeping();
  const earlyDone = fanOut.follow(id, 0, early.sink);
  await eventually(() => early.seen.length >= 8 || undefined, 5000, "early watcher under way");
  const late = keeping();
  const lateDone = fanOut.follow(id, 0, late.sink);
  await eventually(() => (late.seen.length > early.seen.length - 2 && counts.running === 1) || undefined, 5000, "late watcher joined");
  assert.is(counts.started, 2, "its own follower for the replay, then none");
  await Promise.all([earlyDone, lateDone]);
  assertComplete(early.seen, "early");
  assertComplete(late.seen, "late");
});

test("watch fan-out - a full watcher is passed by, catches up from the store and misses nothing; the others are not held back", async () => {
  const { counts, fanOut } = countingClient();
  const id = ticker(40, 2, 30);
  const fast = keeping();
  // Room again only after a few more ticks went by: what it missed then is in the store, not in the hub.
  const slow = keeping(3, 8);
  const [fastRecord, slowRecord] = await Promise.all([fanOut.follow(id, 0, fast.sink), fanOut.follow(id, 0, slow.sink)]);
  assert.is(fastRecord!.status, "completed");
  assert.is(slowRecord!.status, "completed");
  assertComplete(fast.seen, "fast");
  assertComplete(slow.seen, "slow");
  assert.ok(slow.pauses() >= Math.floor(slow.seen.length / 3) - 1, `slow paused ${slow.pauses()} times for ${slow.seen.length} events`);
  assert.is(fast.pauses(), 0, "the fast watcher never waited");
  assert.ok(counts.reads >= 1, "what the slow one missed while full came from the store, not a buffer");
  // It stays with the others' follower while full (one more of its own may finish it, should it be behind at the end).
  assert.ok(counts.started <= 2 && counts.started < slow.pauses(), `${counts.started} followers for ${slow.pauses()} pauses: a pause costs a store read, not a follower`);
});

test("watch fan-out - a watcher that stops leaves the others going; the last one out stops the follower", async () => {
  const { counts, fanOut } = countingClient();
  const id = ticker(1000, 5);
  const a = keeping();
  const b = keeping();
  const stopA = new AbortController();
  const stopB = new AbortController();
  const doneA = fanOut.follow(id, 0, a.sink, stopA.signal);
  const doneB = fanOut.follow(id, 0, b.sink, stopB.signal);
  await eventually(() => a.seen.length >= 3 || undefined, 5000, "events flowing");
  stopA.abort();
  assert.is(await doneA, undefined);
  const at = b.seen.length;
  await eventually(() => b.seen.length >= at + 3 || undefined, 5000, "the other still fed");
  stopB.abort();
  assert.is(await doneB, undefined);
  await eventually(() => counts.running === 0 || undefined, 5000, "follower stopped");
  assertInOrder(b.seen, "the one that stayed");
  await runtime.cancel(id);
});

test("watch fan-out - a sink that throws fails its own watch, not the others'", async () => {
  const { fanOut } = countingClient();
  const id = ticker(20, 5, 50);
  const good = keeping();
  let writes = 0;
  const broken: EventSink = {
    write: () => {
      if (++writes === 3) throw new Error("socket gone");
      return true;
    },
    onDrain: () => {},
  };
  const [brokenOutcome, goodRecord] = await Promise.allSettled([fanOut.follow(id, 0, broken), fanOut.follow(id, 0, good.sink)]);
  assert.is(brokenOutcome.status, "rejected");
  assert.is((brokenOutcome as PromiseRejectedResult).reason.message, "socket gone");
  assert.is(goodRecord.status === "fulfilled" && goodRecord.value?.status, "completed");
  assertComplete(good.seen, "good");
});

test.run();
