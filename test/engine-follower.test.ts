import { test } from "uvu";
import * as assert from "uvu/assert";
import { join } from "node:path";
import { ExecutionFollower, type ExecutionEvent } from "../src/engine/index.js";
import { openEngineFixture } from "./helpers/engine-fixture.js";

const { fixture, source, runtime, close } = await openEngineFixture();

test.after(close);

const numbers = Array.from({ length: 40 }, (_, i) => i);

test("engine follower - a sink that keeps saying it is full still gets every event once, in order, caught up from the store", async () => {
  const started = runtime.start({ source, workflowName: "fan_out", input: { numbers } });
  const seen: ExecutionEvent[] = [];
  const follower = new ExecutionFollower(runtime, started.executionId, 0, {
    // Full after every third event; room again on the next turn of the loop, while the execution keeps going.
    write: (event) => seen.push(event) % 3 !== 0,
    onDrain: (resume) => setImmediate(resume),
  });
  const final = await follower.run();
  assert.is(final!.status, "completed");
  assert.is(final!.result, 2 * numbers.reduce((a, b) => a + b, 0));
  assert.equal(seen.map((e) => e.seq), seen.map((_, i) => i + 1), "no gaps, no repeats");
  assert.is(seen.at(-1)!.type, "execution.completed");
  assert.ok(follower.stats.pauses >= Math.floor(seen.length / 3) - 1, `paused ${follower.stats.pauses} times for ${seen.length} events`);
  assert.ok(follower.stats.storeReads >= 1, "what was missed while full came from the store, not a buffer");
});

test("engine follower - stops when its signal aborts and resolves with the record as it is then", async () => {
  const started = runtime.start({ source, workflowName: "hang", input: { report: join(fixture.dir, "follower-hang.json") } });
  const controller = new AbortController();
  const seen: string[] = [];
  const watching = runtime.watch(started.executionId, 0, (event) => {
    seen.push(event.type);
    if (event.type === "step.started") controller.abort();
  }, controller.signal);
  const record = await watching;
  assert.is(record!.status, "running");
  assert.equal(seen.slice(0, 2), ["execution.started", "step.started"]);
  await runtime.cancel(started.executionId);
});

test.run();
