import { test } from "uvu";
import * as assert from "uvu/assert";
import type { EventSink, ExecutionClient, ExecutionEvent } from "../src/engine/index.js";
import { eventually, openEngineFixture } from "./helpers/engine-fixture.js";

const { source, runtime, close } = await openEngineFixture();
/** Only what the interface offers: what a gateway or the CLI holds. */
const client: ExecutionClient = runtime;

test.after(close);

test("execution client - starts, reads, lists and replays an execution", async () => {
  const started = client.start({ source, workflowName: "linear", input: { value: 21 }, mode: "async" });
  assert.is(started.record.status, "running");
  const record = await started.done;
  assert.is(record.result, 42);
  await client.persisted();
  assert.is((await client.status(started.executionId))?.status, "completed");
  const events = await client.events(started.executionId);
  assert.equal(events.map((e) => e.seq), events.map((_, i) => i + 1));
  assert.ok((await client.events(started.executionId, 3)).every((e) => e.seq > 3));
  assert.ok((await client.list({ workflow_name: "linear" })).some((r) => r.execution_id === started.executionId));
  const watched: ExecutionEvent[] = [];
  const final = await client.watch(started.executionId, 0, (event) => watched.push(event));
  assert.is(final?.status, "completed");
  assert.equal(watched, events);
});

test("execution client - lists a running execution as it is now, and cancels it", async () => {
  const started = client.start({ source, workflowName: "parallel", mode: "async" });
  const running = await eventually(async () => (await client.list({ status: "running" })).find((r) => r.execution_id === started.executionId && r.steps.some((s) => s.status === "running")));
  assert.ok(running, "the listed record is the live one: its steps have started");
  const result = await client.cancel(started.executionId, "enough");
  assert.is(result.status, "cancelled");
  assert.ok(result.cancelled);
});

test("execution client - a watch given a sink that fills pauses, then catches up from the store once drained", async () => {
  const started = client.start({ source, workflowName: "fan_out", input: { numbers: [1, 2, 3, 4] }, mode: "async" });
  await started.done;
  const got: number[] = [];
  let paused = false;
  let pauses = 0;
  // A consumer that is full after every third event and drained on the next turn of the event loop.
  const sink: EventSink = {
    write(event) {
      assert.not.ok(paused, `event ${event.seq} written to a full sink`);
      got.push(event.seq);
      paused = got.length % 3 === 0;
      return !paused;
    },
    onDrain(next) {
      pauses++;
      setImmediate(() => {
        paused = false;
        next();
      });
    },
  };
  const watching = client.watch(started.executionId, 0, sink);
  const final = await watching;
  assert.is(final?.status, "completed");
  assert.equal(got, got.map((_, i) => i + 1), "every event once, in order");
  assert.ok(pauses > 0 && got.length > 3, "the sink filled, and the watch waited for it to drain");
});

test.run();
