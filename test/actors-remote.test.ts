import { test } from "uvu";
import * as assert from "uvu/assert";
import { ActorSystemDownError, InMemoryTransport, NoRouteError, RemoteActorError, SimulatedClock, UnknownActorKindError, type ActorRef, type DeadLetter, type Signal } from "../src/actors/index.js";
import { errorOf, inside, isMessage, isSignal, Probe, recorder, rejection, systems, terminate, type Event } from "./helpers/remote-systems.js";

test("actors remote - spawns a child on another system by kind from a data-only spec; messages sent at once arrive in order", async () => {
  const { all: [a, b] } = systems(["a", "b"]);
  const events = new Probe<Event>();
  const parent = a!.spawn(recorder(events), { name: "parent" });
  const child = await inside(parent, (ctx) => {
    const ref = ctx.spawnRemote<{ text: string; replyTo: ActorRef<string> }>("b", "echo", { greeting: "hi", audit: ctx.self }, { name: "echo" });
    for (const text of ["one", "two", "three"]) ref.tell({ text, replyTo: ctx.self }); // before the spawn message even left
    return ref;
  });
  assert.is(child.address, "wfx://b/$$remote/a/parent/echo", "hosted by b, supervised for wfx://a/parent");
  await events.waitFor(isMessage("hi three"), "third reply");
  const messages = events.seen.flatMap((e) => ("message" in e ? [e.message] : []));
  assert.equal(messages, ["started wfx://b/$$remote/a/parent/echo", "hi one", "hi two", "hi three"], "the ref in the spec was revived over there; order kept");
  assert.is(b!.actorCount, 2, "the child and the stand-in for its parent");
  await terminate([a!, b!]);
});

test("actors remote - the remote child reports to its parent, which sees it terminate after its last message", async () => {
  const { all: [a, b], hosted } = systems(["a", "b"]);
  const events = new Probe<Event>();
  const parent = a!.spawn(recorder(events), { name: "parent" });
  const child = await inside(parent, (ctx) => ctx.spawnRemote<string>("b", "worker", { name: "w" }));
  const up = await events.waitFor((e) => "message" in e && (e.message as { up?: string }).up === "w", "start report");
  assert.equal((up as { message: unknown }).message, { up: "w", attempt: 1, parent: "wfx://a/parent" }, "ctx.parent is the real parent");
  child.tell("x");
  child.tell("done");
  const ended = await events.waitFor(isSignal("terminated"), "terminated");
  assert.is((ended as { signal: Signal }).signal.ref, child, "the signal carries the very ref the parent holds");
  assert.not.ok("error" in (ended as { signal: Signal }).signal, "a stop is not a failure");
  const order = events.seen.slice(1).map((e) => ("message" in e ? e.message : e.signal.type));
  assert.equal(order, ["w got x", "bye w", "terminated"]);
  await hosted.waitFor((h) => h === "stopped w", "stopped hook");
  assert.is(b!.actorCount, 0, "the stand-in parent left with its last child");
  await terminate([a!, b!]);
});

test("actors remote - a failing remote child restarts on the hosting system under its parent's policy; signals travel back", async () => {
  const clock = new SimulatedClock();
  const { all: [a, b], hosted } = systems(["a", "b"], { b: { clock } });
  const events = new Probe<Event>();
  const parent = a!.spawn(recorder(events), { name: "parent" });
  const backoff = { initialMs: 100, maxMs: 100, multiplier: 1, jitter: 0 };
  const child = await inside(parent, (ctx) => ctx.spawnRemote<string>("b", "worker", { name: "w" }, { name: "w", supervision: { kind: "restart", maxRestarts: 1, withinMs: Number.POSITIVE_INFINITY, backoff } }));
  child.tell("crash");
  child.tell("kept");
  const restarting = (await events.waitFor(isSignal("child_restarting"), "child_restarting")) as { signal: Signal & { type: "child_restarting" } };
  assert.is(restarting.signal.ref, child);
  assert.is(restarting.signal.attempt, 2);
  assert.is(restarting.signal.delayMs, 100);
  assert.instance(restarting.signal.error, RemoteActorError);
  assert.equal([(restarting.signal.error as RemoteActorError).code, (restarting.signal.error as Error).message], ["WFX_ACTOR_FAILED", "boom w"]);
  clock.advance(100); // the backoff runs on the hosting system's clock
  await events.waitFor(isMessage("w got kept"), "message kept through the restart");
  assert.ok(events.seen.some(isMessage({ up: "w", attempt: 2, parent: "wfx://a/parent" })), "restarted there, attempt 2");
  child.tell("crash"); // over budget: stopped for good with its error
  const ended = await events.waitFor(isSignal("terminated"), "terminated");
  assert.is(errorOf(ended).message, "boom w");
  assert.equal(hosted.seen, ["stopped w", "stopped w"]);
  await terminate([a!, b!]);
});

test("actors remote - a remote child's escalation fails its parent in its place", async () => {
  const { all: [a, b] } = systems(["a", "b"]);
  const events = new Probe<Event>();
  const top = a!.spawn(recorder(events), { name: "top" });
  const middle = await inside(top, (ctx) => ctx.spawn(recorder(new Probe()), { name: "middle" }));
  const child = await inside(middle, (ctx) => ctx.spawnRemote<string>("b", "worker", { name: "w" }, { supervision: { kind: "escalate" } }));
  child.tell("crash");
  const ended = await events.waitFor(isSignal("terminated", middle.address), "middle terminated");
  assert.is(errorOf(ended).message, "boom w", "the middle actor failed with its child's error (its own policy: stop)");
  assert.is(b!.actorCount, 0);
  await terminate([a!, b!]);
});

test("actors remote - stop travels to the other system: ctx.stop, system.stop and the parent's own end", async () => {
  const { all: [a, b], hosted } = systems(["a", "b"]);
  const events = new Probe<Event>();
  const parent = a!.spawn(recorder(events), { name: "parent" });
  const [one, two] = await inside(parent, (ctx) => [ctx.spawnRemote<string>("b", "worker", { name: "one" }), ctx.spawnRemote<string>("b", "worker", { name: "two" })]);
  await inside(parent, (ctx) => ctx.stop(one));
  await events.waitFor(isSignal("terminated", one!.address), "terminated of one");
  assert.ok(hosted.seen.includes("stopped one"));

  a!.stop(a!.refFor(two!.address)); // any ref to it will do
  await events.waitFor(isSignal("terminated", two!.address), "terminated of two");

  const three = await inside(parent, (ctx) => ctx.spawnRemote<string>("b", "worker", { name: "three" }));
  await events.waitFor(isMessage({ up: "three", attempt: 1, parent: "wfx://a/parent" }), "three up");
  a!.stop(parent); // its children elsewhere stop with it, as local ones do
  await hosted.waitFor((h) => h === "stopped three", "three stopped over there");
  await new Promise(setImmediate); // the stand-in parent takes that signal in b's next scheduler round
  assert.is(b!.actorCount, 0);
  assert.ok(three.address.startsWith("wfx://b/"));
  await terminate([a!, b!]);
});

test("actors remote - watch of an actor on another system: terminated with its error when it fails, at once when it is gone", async () => {
  const errorsAtB: string[] = [];
  const { all: [a, b] } = systems(["a", "b"], { b: { onError: (e, at) => errorsAtB.push(`${at}: ${(e as Error).message}`) } });
  b!.spawn<string>({ start: () => null, receive: (s, m) => { if (m === "crash") throw new Error("fragile broke"); return s; } }, { name: "fragile" });
  const calm = b!.spawn<string>({ start: () => null, receive: (s) => s }, { name: "calm" });
  const quiet = b!.spawn<string>({ start: () => null, receive: (s) => s }, { name: "quiet" });
  const events = new Probe<Event>();
  const watcher = a!.spawn(recorder(events), { name: "watcher" });
  const fragile = a!.refFor<string>("wfx://b/fragile");
  await inside(watcher, (ctx) => {
    ctx.watch(fragile);
    ctx.watch(ctx.system.refFor("wfx://b/nobody"));
    ctx.watch(ctx.system.refFor("wfx://b/quiet"));
    ctx.watch(ctx.system.refFor("wfx://b/calm"));
  });
  const nobody = await events.waitFor(isSignal("terminated", "wfx://b/nobody"), "terminated of a missing actor");
  assert.not.ok("error" in (nobody as { signal: Signal }).signal);

  fragile.tell("crash");
  const broke = await events.waitFor(isSignal("terminated", "wfx://b/fragile"), "terminated of fragile");
  assert.is((broke as { signal: Signal }).signal.ref, fragile);
  assert.equal([errorOf(broke).code, errorOf(broke).message], ["WFX_ACTOR_FAILED", "fragile broke"]);
  assert.equal(errorsAtB, ["wfx://b/fragile: fragile broke"]);

  await inside(watcher, (ctx) => ctx.unwatch(ctx.system.refFor("wfx://b/quiet")));
  b!.stop(quiet);
  b!.stop(calm); // still watched: its signal comes after any the unwatched one could have sent
  await events.waitFor(isSignal("terminated", "wfx://b/calm"), "terminated of calm");
  assert.not.ok(events.seen.some(isSignal("terminated", "wfx://b/quiet")), "unwatched");
  await terminate([a!, b!]);
});

test("actors remote - nodeDown ends everything the lost system hosted, for every watcher and parent", async () => {
  const { all: [a, b, c], hosted } = systems(["a", "b", "c"]);
  b!.spawn<unknown>({ start: () => null, receive: (s) => s }, { name: "svc" }); // never replies
  const atA = new Probe<Event>();
  const atC = new Probe<Event>();
  const parentA = a!.spawn(recorder(atA), { name: "p" });
  const parentC = c!.spawn(recorder(atC), { name: "p" });
  const [a1, a2] = await inside(parentA, (ctx) => (ctx.watch(ctx.system.refFor("wfx://b/svc")), [ctx.spawnRemote("b", "worker", { name: "a1" }), ctx.spawnRemote("b", "worker", { name: "a2" })]));
  const c1 = await inside(parentC, (ctx) => (ctx.watch(ctx.system.refFor("wfx://b/svc")), ctx.spawnRemote("b", "worker", { name: "c1" })));
  await atA.waitFor(isMessage({ up: "a2", attempt: 1, parent: "wfx://a/p" }), "a2 up");
  await atC.waitFor(isMessage({ up: "c1", attempt: 1, parent: "wfx://c/p" }), "c1 up");
  const pending = a!.ask(a!.refFor("wfx://b/svc"), (replyTo) => ({ replyTo }), { timeoutMs: 10_000 });

  a!.nodeDown("b");
  assert.instance(await rejection(pending), ActorSystemDownError, "the waiting ask rejects now, not at its timeout");
  for (const address of ["wfx://b/svc", a1!.address, a2!.address]) {
    const ended = await atA.waitFor(isSignal("terminated", address), `terminated of ${address} at a`);
    assert.is(errorOf(ended).code, "WFX_ACTOR_SYSTEM_DOWN");
  }
  c!.nodeDown("b");
  for (const address of ["wfx://b/svc", c1.address]) {
    const ended = await atC.waitFor(isSignal("terminated", address), `terminated of ${address} at c`);
    assert.instance(errorOf(ended), ActorSystemDownError);
  }
  assert.instance(await rejection(a!.ask(a!.refFor("wfx://b/svc"), () => ({}), { timeoutMs: 10_000 })), NoRouteError, "no route any more");

  b!.nodeDown("a"); // b's side: nobody is left to supervise the children a spawned here
  await hosted.waitFor((h) => h === "stopped a2", "a's children stopped on b");
  assert.ok(hosted.seen.includes("stopped a1"));
  assert.not.ok(hosted.seen.includes("stopped c1"), "c's child runs on");
  assert.is(b!.actorCount, 3, "svc, c1 and the stand-in for c's parent");
  await terminate([a!, b!, c!]);
});

test("actors remote - removeTransport makes asks, tells and watches to that system fail at once", async () => {
  const letters: DeadLetter[] = [];
  const { all: [a, b] } = systems(["a", "b"], { a: { onDeadLetter: (l) => letters.push(l) } });
  b!.spawn<unknown>({ start: () => null, receive: (s) => s }, { name: "silent" });
  const events = new Probe<Event>();
  const parent = a!.spawn(recorder(events), { name: "p" });
  const silent = a!.refFor<unknown>("wfx://b/silent");
  const child = await inside(parent, (ctx) => (ctx.watch(silent), ctx.spawnRemote("b", "worker", { name: "w" })));
  await events.waitFor(isMessage({ up: "w", attempt: 1, parent: "wfx://a/p" }), "w up");
  const pending = a!.ask(silent, (replyTo) => ({ replyTo }), { timeoutMs: 10_000 });

  a!.removeTransport("b");
  assert.instance(await rejection(pending), NoRouteError);
  for (const address of [silent.address, child.address]) {
    assert.is(errorOf(await events.waitFor(isSignal("terminated", address), `terminated of ${address}`)).code, "WFX_NO_ROUTE");
  }
  let settled = false;
  const later = a!.ask(silent, () => ({}), { timeoutMs: 10_000 }).catch((e: unknown) => ((settled = true), e));
  await Promise.resolve();
  assert.ok(settled, "a new ask rejects on the spot");
  assert.instance(await later, NoRouteError);
  silent.tell("lost");
  assert.equal(letters.at(-1), { address: "wfx://b/silent", message: "lost", reason: "no_route" });
  await inside(parent, (ctx) => ctx.watch(silent));
  let count = 0;
  const again = await events.waitFor((e) => isSignal("terminated", silent.address)(e) && ++count === 2, "a second terminated");
  assert.is(errorOf(again).code, "WFX_NO_ROUTE", "a watch made after the route went ends at once");
  assert.instance(await rejection(inside(parent, (ctx) => ctx.spawnRemote("b", "worker", { name: "x" }))), NoRouteError);

  // A transport that knows its link is closed (returns false) fails the send the same way.
  a!.registerTransport("b", { send: () => false });
  assert.instance(await rejection(a!.ask(silent, () => ({}), { timeoutMs: 10_000 })), NoRouteError);
  a!.registerTransport("b", new InMemoryTransport(b!));
  await terminate([a!, b!]);
});

test("actors remote - an unknown kind is an error back to the spawner", async () => {
  const letters: DeadLetter[] = [];
  const { all: [a, b] } = systems(["a", "b"], { b: { onDeadLetter: (l) => letters.push(l) } });
  const events = new Probe<Event>();
  const parent = a!.spawn(recorder(events), { name: "p" });
  const ghost = await inside(parent, (ctx) => ctx.spawnRemote<string>("b", "nope", {}, { name: "ghost" }));
  ghost.tell("anyone?");
  const ended = await events.waitFor(isSignal("terminated", ghost.address), "terminated of the unknown kind");
  assert.equal([errorOf(ended).code, errorOf(ended).name], ["WFX_UNKNOWN_ACTOR_KIND", "RemoteActorError"]);
  assert.match(errorOf(ended).message, /actor system b has no actor kind "nope"/);
  assert.equal(letters, [{ address: ghost.address, message: "anyone?", reason: "stopped" }]);

  const picky = await inside(parent, (ctx) => ctx.spawnRemote("b", "picky", {}));
  const refused = await events.waitFor(isSignal("terminated", picky.address), "terminated of a refused spec");
  assert.equal([errorOf(refused).code, errorOf(refused).message, (errorOf(refused) as RemoteActorError).remoteName], ["WFX_ACTOR_FAILED", "picky needs a numeric size", "TypeError"]);

  // On its own system the spawner learns it at once, and a spec that is not data cannot leave.
  assert.instance(await rejection(inside(parent, (ctx) => ctx.spawnRemote("a", "nope", {}))), UnknownActorKindError);
  const notData = await rejection(inside(parent, (ctx) => ctx.spawnRemote("b", "echo", { greeting: () => "hi" })));
  assert.is((notData as Error).name, "DataCloneError");
  const local = await inside(parent, (ctx) => ctx.spawnRemote<{ text: string; replyTo: ActorRef<string> }>("a", "echo", { greeting: "hello" }, { name: "here" }));
  assert.is(local.address, "wfx://a/p/here");
  assert.is(await a!.ask<string>(local, (replyTo) => ({ text: "you", replyTo }), { timeoutMs: 5000 }), "hello you");
  assert.is(b!.actorCount, 0);
  await terminate([a!, b!]);
});

test.run();
