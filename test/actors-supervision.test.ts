import { test } from "uvu";
import * as assert from "uvu/assert";
import { setImmediate as flush } from "node:timers/promises";
import {
  ActorStoppedError,
  createActorSystem,
  SimulatedClock,
  type ActorLogic,
  type ActorRef,
  type DeadLetter,
  type RestartPolicy,
  type Signal,
} from "../src/actors/index.js";


function restartPolicy(maxRestarts: number, withinMs = 60_000): RestartPolicy {
  return { kind: "restart", maxRestarts, withinMs, backoff: { initialMs: 100, maxMs: 250, multiplier: 2, jitter: 0 } };
}

/** A parent that spawns `child` with `policy` and records its signals. */
function parentOf(child: ActorLogic<any, any>, policy: RestartPolicy | { kind: "stop" } | { kind: "escalate" }, signals: Signal[], refs: { child?: ActorRef<any> }): ActorLogic<null, unknown> {
  return {
    start(ctx) {
      refs.child = ctx.spawn(child, { name: "child", supervision: policy });
      return null;
    },
    receive: (s) => s,
    onSignal: (s, signal) => (signals.push(signal), s),
  };
}

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

test("supervision - stop stops children first, runs stopped hooks, then tells watchers", async () => {
  const system = createActorSystem({ id: "t" });
  const events: string[] = [];
  const node = (name: string, children: string[] = []): ActorLogic<null, unknown> => ({
    start(ctx) {
      for (const c of children) ctx.spawn(node(c), { name: c });
      return null;
    },
    receive: (s) => s,
    stopped: () => void events.push(`stopped ${name}`),
  });
  const leaf = node("c1-leaf");
  const c1: ActorLogic<null, unknown> = { ...node("c1"), start: (ctx) => (ctx.spawn(leaf, { name: "leaf" }), null) };
  let parentSignal!: AbortSignal;
  const parent = system.spawn<unknown>(
    {
      start(ctx) {
        parentSignal = ctx.signal;
        ctx.spawn(c1, { name: "c1" });
        ctx.spawn(node("c2"), { name: "c2" });
        return null;
      },
      receive: (s) => s,
      stopped: () => void events.push("stopped parent"),
    },
    { name: "parent" },
  );
  const watcher = system.spawn<unknown>({
    start: (ctx) => (ctx.watch(parent), null),
    receive: (s) => s,
    onSignal(s, signal) {
      events.push(`watcher: ${signal.type} ${signal.ref.address} error=${String(signal.error)}`);
      return s;
    },
  });
  assert.is(system.actorCount, 5);
  system.stop(parent);
  assert.ok(parentSignal.aborted);
  await flush();
  const at = (e: string) => events.indexOf(e);
  assert.is(events.length, 5);
  assert.ok(at("stopped c1-leaf") < at("stopped c1"));
  assert.ok(at("stopped c1") < at("stopped parent") && at("stopped c2") < at("stopped parent"));
  assert.is(events[4], "watcher: terminated wfx://t/parent error=undefined");
  assert.is(system.actorCount, 1);
  system.stop(watcher);
  assert.is(system.actorCount, 0);
  await system.terminate();
});

test("supervision - signals are never dropped and do not use up the mailbox capacity", async () => {
  const letters: DeadLetter[] = [];
  const system = createActorSystem({ id: "t", onDeadLetter: (l) => letters.push(l) });
  const children: ActorRef[] = [];
  const got: string[] = [];
  const parent = system.spawn<string>(
    {
      start(ctx) {
        for (let i = 0; i < 5; i++) children.push(ctx.spawn({ start: () => null, receive: (s) => s }));
        return null;
      },
      receive: (s, m) => (got.push(m), s),
      onSignal: (s, signal) => (got.push(signal.type), s),
    },
    { mailboxCapacity: 1 },
  );
  for (const child of children) system.stop(child);
  parent.tell("fits");
  parent.tell("too many");
  await flush();
  assert.equal(got, ["terminated", "terminated", "terminated", "terminated", "terminated", "fits"]);
  assert.equal(letters.map((l) => l.message), ["too many"]);
  await system.terminate();
});

test("supervision - a child's last message reaches the parent before its terminated signal", async () => {
  const system = createActorSystem({ id: "t" });
  const log: string[] = [];
  const reporter = (name: string, stopInStart: boolean): ActorLogic<null, string> => ({
    start(ctx) {
      (ctx.parent as ActorRef<string>).tell(`${name} started`);
      if (stopInStart) ctx.stop();
      return null;
    },
    receive(state, message, ctx) {
      (ctx.parent as ActorRef<string>).tell(`${name} done ${message}`);
      ctx.stop();
      return state;
    },
  });
  const names = new Map<ActorRef, string>();
  system.spawn<string>({
    start(ctx) {
      const worker = ctx.spawn(reporter("worker", false), { name: "worker" });
      names.set(worker, "worker");
      names.set(ctx.spawn(reporter("quitter", true), { name: "quitter" }), "quitter");
      worker.tell("job");
      return null;
    },
    receive: (s, m) => (log.push(m), s),
    onSignal: (s, signal) => (log.push(`${names.get(signal.ref)} ${signal.type}`), s),
  });
  await flush();
  assert.equal(log.filter((e) => e.startsWith("worker")), ["worker started", "worker done job", "worker terminated"]);
  assert.equal(log.filter((e) => e.startsWith("quitter")), ["quitter started", "quitter terminated"]);
  assert.is(system.actorCount, 1);
  await system.terminate();
});

test("supervision - watching an actor that already stopped signals terminated at once", async () => {
  const system = createActorSystem({ id: "t" });
  const dead = system.spawn({ start: () => null, receive: (s) => s });
  system.stop(dead);
  const got: Signal[] = [];
  system.spawn({ start: (ctx) => (ctx.watch(dead), null), receive: (s) => s, onSignal: (s, signal) => (got.push(signal), s) });
  await flush();
  assert.is(got.length, 1);
  assert.is(got[0]!.ref, dead);
  await system.terminate();
});

test("supervision - a pipeToSelf result is dropped once the incarnation that asked for it ended", async () => {
  const clock = new SimulatedClock();
  const system = createActorSystem({ id: "t", clock });
  let resolveOld!: (v: string) => void;
  let resolveNew!: (v: string) => void;
  const received: string[] = [];
  const signals: AbortSignal[] = [];
  const worker: ActorLogic<null, string> = {
    start(ctx) {
      signals.push(ctx.signal);
      const work = new Promise<string>((resolve) => (ctx.attempt === 1 ? (resolveOld = resolve) : (resolveNew = resolve)));
      ctx.pipeToSelf(work, (v) => `piped ${v} in ${ctx.attempt}`, () => "failed");
      return null;
    },
    receive(state, message) {
      received.push(message);
      if (message === "crash") throw new Error("crash");
      return state;
    },
  };
  const refs: { child?: ActorRef<string> } = {};
  system.spawn(parentOf(worker, restartPolicy(3), [], refs));
  refs.child!.tell("crash");
  await flush();
  assert.ok(signals[0]!.aborted, "the failed incarnation's signal is aborted");
  assert.instance(signals[0]!.reason, ActorStoppedError);
  clock.advance(100);
  resolveOld("old");
  resolveNew("new");
  await flush();
  assert.equal(received, ["crash", "piped new in 2"]);
  assert.not.ok(signals[1]!.aborted);
  await system.terminate();
});

test("supervision - a pipeToSelf result still queued when the actor restarts is dropped too", async () => {
  const clock = new SimulatedClock();
  const letters: DeadLetter[] = [];
  const system = createActorSystem({ id: "t", clock, onDeadLetter: (l) => letters.push(l) });
  const received: string[] = [];
  const worker: ActorLogic<null, string> = {
    start(ctx) {
      if (ctx.attempt === 1) ctx.pipeToSelf(Promise.resolve("x"), (v) => `piped ${v}`, () => "failed");
      return null;
    },
    receive(state, message, ctx) {
      received.push(`${message}@${ctx.attempt}`);
      if (message === "crash") throw new Error("crash");
      return state;
    },
  };
  const refs: { child?: ActorRef<string> } = {};
  system.spawn(parentOf(worker, restartPolicy(3), [], refs));
  refs.child!.tell("crash"); // processed before the piped value, which then waits in the mailbox
  await flush();
  clock.advance(100);
  await flush();
  assert.equal(received, ["crash@1"]);
  assert.equal(letters, [], "dropped silently: it was meant for an incarnation that no longer exists");
  await system.terminate();
});

test.run();
