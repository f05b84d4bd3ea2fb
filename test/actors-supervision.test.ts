import { test } from "uvu";
import * as assert from "uvu/assert";
import { setImmediate as flush } from "node:timers/promises";
import { createActorSystem, SimulatedClock, type ActorLogic, type ActorRef, type Signal } from "../src/actors/index.js";
import { parentOf, restartPolicy } from "./helpers/supervision.js";

test("supervision - a crashing child is restarted after a backoff, with fresh state and its queued messages", async () => {
  const clock = new SimulatedClock();
  const system = createActorSystem({ id: "t", clock });
  const starts: number[] = [];
  const seen: string[] = [];
  const stopped: number[] = [];
  const worker: ActorLogic<number, string> = {
    start: (ctx) => (starts.push(ctx.attempt), 0),
    receive(count, message) {
      if (message === "crash") throw new Error(`boom${count}`);
      seen.push(`${message}:${count + 1}`);
      return count + 1;
    },
    stopped: (count) => void stopped.push(count),
  };
  const signals: Signal[] = [];
  const refs: { child?: ActorRef<string> } = {};
  system.spawn(parentOf(worker, restartPolicy(5), signals, refs), { name: "parent" });
  const child = refs.child!;
  for (const m of ["a", "b", "crash", "c", "d"]) child.tell(m);
  await flush();
  assert.equal(seen, ["a:1", "b:2"]);
  assert.equal(stopped, [2], "the stopped hook saw the last state");
  assert.is(signals.length, 1);
  const first = signals[0]!;
  assert.ok(first.type === "child_restarting");
  if (first.type !== "child_restarting") return;
  assert.is(first.ref, child);
  assert.is(first.attempt, 2);
  assert.is(first.delayMs, 100);
  assert.is((first.error as Error).message, "boom2");

  child.tell("e"); // arrives during the backoff: kept too
  clock.advance(99);
  await flush();
  assert.equal(starts, [1]);
  clock.advance(1);
  await flush();
  assert.equal(starts, [1, 2]);
  assert.equal(seen, ["a:1", "b:2", "c:1", "d:2", "e:3"], "state was reset and queued messages kept, in order");

  child.tell("crash");
  await flush();
  clock.advance(200);
  await flush();
  child.tell("crash");
  await flush();
  const restarts = signals.filter((s) => s.type === "child_restarting");
  assert.equal(restarts.map((s) => (s.type === "child_restarting" ? [s.attempt, s.delayMs] : [])), [[2, 100], [3, 200], [4, 250]]);
  assert.equal(starts, [1, 2, 3]);
  clock.advance(250);
  assert.equal(starts, [1, 2, 3, 4]);
  await system.terminate();
});

test("supervision - a failure in start is supervised like one in receive", async () => {
  const clock = new SimulatedClock();
  const system = createActorSystem({ id: "t", clock });
  const attempts: number[] = [];
  const flaky: ActorLogic<null, unknown> = {
    start(ctx) {
      attempts.push(ctx.attempt);
      if (ctx.attempt < 3) throw new Error("not yet");
      return null;
    },
    receive: (s) => s,
  };
  const signals: Signal[] = [];
  system.spawn(parentOf(flaky, restartPolicy(5), signals, {}));
  clock.advance(100);
  clock.advance(200);
  assert.equal(attempts, [1, 2, 3]);
  await flush();
  assert.equal(signals.map((s) => s.type), ["child_restarting", "child_restarting"]);
  await system.terminate();
});

test("supervision - more than maxRestarts failures within withinMs stops the child with its error", async () => {
  const clock = new SimulatedClock();
  const system = createActorSystem({ id: "t", clock });
  const crasher: ActorLogic<null, string> = {
    start: () => null,
    receive(_, message) {
      throw new Error(message);
    },
  };
  const signals: Signal[] = [];
  const refs: { child?: ActorRef<string> } = {};
  system.spawn(parentOf(crasher, restartPolicy(2, 1000), signals, refs), { name: "parent" });
  const child = refs.child!;
  child.tell("one");
  await flush();
  clock.advance(100);
  child.tell("two");
  await flush();
  clock.advance(200);
  child.tell("three");
  await flush();
  assert.equal(signals.map((s) => s.type), ["child_restarting", "child_restarting", "terminated"]);
  const last = signals[2]!;
  assert.is(last.ref, child);
  assert.is((last.error as Error).message, "three");
  assert.is(system.actorCount, 1, "only the parent is left");
  assert.is(clock.pendingTimers, 0);
  await system.terminate();
});

test("supervision - failures spread wider than withinMs keep restarting and the backoff starts over", async () => {
  const clock = new SimulatedClock();
  const system = createActorSystem({ id: "t", clock });
  const crasher: ActorLogic<null, string> = { start: () => null, receive: () => { throw new Error("x"); } };
  const signals: Signal[] = [];
  const refs: { child?: ActorRef<string> } = {};
  system.spawn(parentOf(crasher, restartPolicy(1, 1000), signals, refs));
  for (let i = 0; i < 4; i++) {
    refs.child!.tell("crash");
    await flush();
    clock.advance(5000);
  }
  await flush();
  assert.equal(signals.map((s) => (s.type === "child_restarting" ? s.delayMs : -1)), [100, 100, 100, 100]);
  await system.terminate();
});

test("supervision - escalate makes the parent fail with the child's error", async () => {
  const clock = new SimulatedClock();
  const system = createActorSystem({ id: "t", clock });
  const events: string[] = [];
  const boom = new Error("child broke");
  const child: ActorLogic<null, string> = {
    start: () => null,
    receive() {
      throw boom;
    },
    stopped: () => void events.push("child stopped"),
  };
  const middleStarts: number[] = [];
  let childRef!: ActorRef<string>;
  const middle: ActorLogic<null, unknown> = {
    start(ctx) {
      middleStarts.push(ctx.attempt);
      childRef = ctx.spawn(child, { name: "child", supervision: { kind: "escalate" } });
      return null;
    },
    receive: (s) => s,
    stopped: () => void events.push("middle stopped"),
  };
  const signals: Signal[] = [];
  const refs: { child?: ActorRef<any> } = {};
  system.spawn(parentOf(middle, restartPolicy(3), signals, refs), { name: "top" });
  childRef.tell("go");
  await flush();
  assert.equal(events, ["child stopped", "middle stopped"]);
  assert.is(signals.length, 1);
  const signal = signals[0]!;
  assert.is(signal.type, "child_restarting");
  assert.is(signal.ref, refs.child);
  assert.is(signal.error, boom);
  clock.advance(100);
  assert.equal(middleStarts, [1, 2]);
  assert.is(system.actorCount, 3, "top, middle and a new child");
  await system.terminate();
});

test("supervision - escalate under a stop policy terminates the parent with the child's error", async () => {
  const system = createActorSystem({ id: "t" });
  const boom = new Error("deep");
  const child: ActorLogic<null, unknown> = { start: () => { throw boom; }, receive: (s) => s };
  const middle: ActorLogic<null, unknown> = { start: (ctx) => (ctx.spawn(child, { supervision: { kind: "escalate" } }), null), receive: (s) => s };
  const signals: Signal[] = [];
  system.spawn(parentOf(middle, { kind: "stop" }, signals, {}));
  await flush();
  assert.equal(signals.map((s) => s.type), ["terminated"]);
  assert.is(signals[0]!.error, boom);
  assert.is(system.actorCount, 1);
  await system.terminate();
});

test.run();
