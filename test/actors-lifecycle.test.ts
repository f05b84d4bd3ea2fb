import { test } from "uvu";
import * as assert from "uvu/assert";
import { setImmediate as flush } from "node:timers/promises";
import { ActorStoppedError, createActorSystem, SimulatedClock, type ActorLogic, type ActorRef, type DeadLetter, type Signal } from "../src/actors/index.js";
import { parentOf, restartPolicy } from "./helpers/supervision.js";

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
