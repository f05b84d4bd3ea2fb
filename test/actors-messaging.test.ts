import { test } from "uvu";
import * as assert from "uvu/assert";
import { setImmediate as flush } from "node:timers/promises";
import {
  ActorNameTakenError,
  ActorStoppedError,
  AskTimeoutError,
  createActorSystem,
  InvalidActorOptionError,
  MailboxFullError,
  NoRouteError,
  SimulatedClock,
  type ActorLogic,
  type ActorRef,
  type DeadLetter,
} from "../src/actors/index.js";

/** Resolves after every queued microtask, i.e. after the actors went idle. */

type EchoMessage = { text: string; replyTo: ActorRef<string> };
const echo: ActorLogic<null, EchoMessage> = {
  start: () => null,
  receive(state, message) {
    message.replyTo.tell(`echo:${message.text}`);
    return state;
  },
};
const silent: ActorLogic<null, unknown> = { start: () => null, receive: (s) => s };

function recorder<M>(into: M[]): ActorLogic<null, M> {
  return { start: () => null, receive: (s, m) => (into.push(m), s) };
}

test("messaging - an actor gets its messages in FIFO order, across turns", async () => {
  const system = createActorSystem({ id: "t" });
  const got: number[] = [];
  const ref = system.spawn(recorder(got));
  for (let i = 0; i < 1000; i++) ref.tell(i);
  assert.is(got.length, 0, "processing is asynchronous");
  await flush();
  assert.equal(got, Array.from({ length: 1000 }, (_, i) => i));
  await system.terminate();
});

test("messaging - a busy actor yields after a batch so others are not starved", async () => {
  const system = createActorSystem({ id: "t" });
  const log: string[] = [];
  const busy = system.spawn<number>({ start: () => null, receive: (s, m) => (log.push(`busy${m}`), s) });
  const other = system.spawn<string>({ start: () => null, receive: (s, m) => (log.push(m), s) });
  for (let i = 0; i < 1000; i++) busy.tell(i);
  other.tell("other");
  await flush();
  assert.is(log.length, 1001);
  assert.ok(log.indexOf("other") < 200, `other ran at ${log.indexOf("other")}`);
  await system.terminate();
});

test("messaging - addresses are wfx://<system>/<path> and names are unique among siblings", async () => {
  const system = createActorSystem({ id: "node1" });
  let child!: ActorRef;
  const exec = system.spawn({ start: (ctx) => ((child = ctx.spawn(silent, { name: "step-read" })), null), receive: (s) => s }, { name: "exec-42" });
  assert.is(exec.address, "wfx://node1/exec-42");
  assert.is(child.address, "wfx://node1/exec-42/step-read");
  assert.throws(() => system.spawn(silent, { name: "exec-42" }), (e: unknown) => e instanceof ActorNameTakenError);
  assert.throws(() => system.spawn(silent, { name: "a/b" }), (e: unknown) => e instanceof InvalidActorOptionError);
  assert.throws(() => system.spawn(silent, { name: "$x" }), (e: unknown) => e instanceof InvalidActorOptionError);
  const generated = system.spawn(silent);
  assert.ok(generated.address.startsWith("wfx://node1/$"));
  assert.is(system.refFor(exec.address), exec, "refFor gives the local ref itself");
  system.stop(exec);
  assert.not.ok(system.refFor(child.address) === child);
  system.spawn(silent, { name: "exec-42" }); // the name is free again
  await system.terminate();
});

test("messaging - tell and ask get a reply", async () => {
  const system = createActorSystem({ id: "t" });
  const ref = system.spawn(echo, { name: "echo" });
  const reply = await system.ask<string, EchoMessage>(ref, (replyTo) => ({ text: "hi", replyTo }), { timeoutMs: 1000 });
  assert.is(reply, "echo:hi");
  assert.is(system.pendingAskCount, 0);
  await system.terminate();
});

test("messaging - ask rejects with AskTimeoutError after timeoutMs on the system clock", async () => {
  const clock = new SimulatedClock();
  const system = createActorSystem({ id: "t", clock });
  const ref = system.spawn(silent, { name: "mute" });
  let outcome: unknown = "pending";
  system.ask(ref, () => "question", { timeoutMs: 500 }).then(
    (v) => (outcome = v),
    (e: unknown) => (outcome = e),
  );
  await flush();
  clock.advance(499);
  await flush();
  assert.is(outcome, "pending");
  clock.advance(1);
  await flush();
  assert.instance(outcome, AskTimeoutError);
  assert.is((outcome as AskTimeoutError).code, "WFX_ASK_TIMEOUT");
  assert.is((outcome as AskTimeoutError).address, "wfx://t/mute");
  assert.is(system.pendingAskCount, 0);
  assert.is(clock.pendingTimers, 0);
  await system.terminate();
});

test("messaging - ask rejects with the signal's reason when aborted", async () => {
  const clock = new SimulatedClock();
  const system = createActorSystem({ id: "t", clock });
  const ref = system.spawn(silent);
  const controller = new AbortController();
  const pending = system.ask(ref, () => "q", { timeoutMs: 10_000, signal: controller.signal });
  const reason = new Error("caller left");
  controller.abort(reason);
  try {
    await pending;
    assert.unreachable("should reject");
  } catch (error) {
    assert.is(error, reason);
  }
  assert.is(clock.pendingTimers, 0, "the timeout is cleared");
  const already = AbortSignal.abort(reason);
  await system.ask(ref, () => "q", { timeoutMs: 10, signal: already }).then(
    () => assert.unreachable(),
    (e: unknown) => assert.is(e, reason),
  );
  await system.terminate();
});

test("messaging - a full mailbox dead-letters with mailbox_full and ask rejects with MailboxFullError", async () => {
  const letters: DeadLetter[] = [];
  const system = createActorSystem({ id: "t", onDeadLetter: (l) => letters.push(l) });
  const got: string[] = [];
  const ref = system.spawn(recorder(got), { name: "small", mailboxCapacity: 2 });
  ref.tell("a");
  ref.tell("b");
  ref.tell("c");
  assert.equal(letters, [{ address: "wfx://t/small", message: "c", reason: "mailbox_full" }]);
  const asked = system.ask(ref, () => "d", { timeoutMs: 1000 });
  await asked.then(
    () => assert.unreachable(),
    (e: unknown) => {
      assert.instance(e, MailboxFullError);
      assert.is((e as MailboxFullError).code, "WFX_MAILBOX_FULL");
    },
  );
  assert.is(letters.length, 2);
  await flush();
  assert.equal(got, ["a", "b"]);
  await system.terminate();
});

test("messaging - messages to a stopped actor, and those still queued, are dead letters", async () => {
  const letters: DeadLetter[] = [];
  const system = createActorSystem({ id: "t", onDeadLetter: (l) => letters.push(l) });
  const got: string[] = [];
  const ref = system.spawn(recorder(got), { name: "gone" });
  ref.tell("queued");
  system.stop(ref);
  ref.tell("late");
  await flush();
  assert.equal(got, []);
  assert.equal(letters, [
    { address: "wfx://t/gone", message: "queued", reason: "stopped" },
    { address: "wfx://t/gone", message: "late", reason: "stopped" },
  ]);
  await system.ask(ref, () => "q", { timeoutMs: 1000 }).then(
    () => assert.unreachable(),
    (e: unknown) => assert.instance(e, ActorStoppedError),
  );
  system.refFor("wfx://t/never").tell("x");
  system.deliver("wfx://t/never", "y");
  system.refFor("wfx://elsewhere/x").tell("z");
  assert.equal(letters.slice(3).map((l) => `${l.message}:${l.reason}`), ["x:stopped", "y:stopped", "z:no_route"]);
  await system.ask(system.refFor("wfx://elsewhere/x"), () => "q", { timeoutMs: 1000 }).then(
    () => assert.unreachable(),
    (e: unknown) => assert.instance(e, NoRouteError),
  );
  await system.terminate();
});

test("messaging - deliver routes to a local actor by address", async () => {
  const system = createActorSystem({ id: "t" });
  const got: unknown[] = [];
  system.spawn(recorder(got), { name: "inbox" });
  system.deliver("wfx://t/inbox", { n: 1 });
  await flush();
  assert.equal(got, [{ n: 1 }]);
  await system.terminate();
});

test("messaging - ctx.signal is aborted when the actor stops", async () => {
  const system = createActorSystem({ id: "t" });
  let signal!: AbortSignal;
  const ref = system.spawn({ start: (ctx) => ((signal = ctx.signal), null), receive: (s) => s });
  assert.not.ok(signal.aborted);
  system.stop(ref);
  assert.ok(signal.aborted);
  assert.instance(signal.reason, ActorStoppedError);
  await system.terminate();
});

test("messaging - scheduleOnce sends after ms, can be cancelled, and is cleared on stop", async () => {
  const clock = new SimulatedClock();
  const system = createActorSystem({ id: "t", clock });
  const got: string[] = [];
  let cancel!: () => void;
  const ref = system.spawn<string>({
    start(ctx) {
      ctx.scheduleOnce(100, "tick");
      cancel = ctx.scheduleOnce(50, "cancelled");
      ctx.scheduleOnce(1000, "never");
      return null;
    },
    receive: (s, m) => (got.push(m), s),
  });
  cancel();
  clock.advance(100);
  await flush();
  assert.equal(got, ["tick"]);
  assert.is(clock.pendingTimers, 1);
  system.stop(ref);
  assert.is(clock.pendingTimers, 0);
  await system.terminate();
});

test("messaging - terminate stops every actor, fails pending asks and refuses new spawns", async () => {
  const system = createActorSystem({ id: "t" });
  const order: string[] = [];
  const leaf = (name: string): ActorLogic<null, unknown> => ({ start: () => null, receive: (s) => s, stopped: () => void order.push(name) });
  const top = system.spawn({ start: (ctx) => (ctx.spawn(leaf("child")), null), receive: (s) => s, stopped: () => void order.push("top") });
  const asked = system.ask(top, () => "q", { timeoutMs: 60_000 });
  await system.terminate();
  assert.equal(order, ["child", "top"]);
  assert.is(system.actorCount, 0);
  await asked.then(
    () => assert.unreachable(),
    (e: unknown) => assert.instance(e, ActorStoppedError),
  );
  assert.throws(() => system.spawn(silent), (e: unknown) => e instanceof ActorStoppedError);
});

test.run();
