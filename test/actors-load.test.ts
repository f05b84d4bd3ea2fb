import { test } from "uvu";
import * as assert from "uvu/assert";
import { setImmediate as flush } from "node:timers/promises";
import { createActorSystem, type ActorLogic, type ActorRef } from "../src/actors/index.js";


test("load - 100k spawn and stop cycles leave the address map empty", async () => {
  const system = createActorSystem({ id: "t" });
  const child: ActorLogic<number, number> = { start: () => 0, receive: (s, m) => s + m };
  const parent = system.spawn({ start: () => null, receive: (s) => s }, { name: "parent" });
  for (let i = 0; i < 100_000; i++) {
    const ref = system.spawn(child, { name: `step-${i % 10}` });
    ref.tell(1);
    system.stop(ref);
  }
  await flush();
  assert.is(system.actorCount, 1);
  system.stop(parent);
  assert.is(system.actorCount, 0);
  for (let i = 0; i < 10_000; i++) {
    const ref = system.spawn({ start: (ctx) => (ctx.signal, ctx.scheduleOnce(60_000, 0), 0), receive: (s) => s });
    system.stop(ref);
  }
  assert.is(system.actorCount, 0);
  const asks: Promise<unknown>[] = [];
  const echo = system.spawn<{ replyTo: ActorRef<number> }>({ start: () => null, receive: (s, m) => (m.replyTo.tell(1), s) });
  for (let i = 0; i < 10_000; i++) asks.push(system.ask(echo, (replyTo) => ({ replyTo }), { timeoutMs: 60_000 }));
  await Promise.all(asks);
  assert.is(system.pendingAskCount, 0);
  await system.terminate();
  assert.is(system.actorCount, 0);
});

test("load - 100k actors each told three messages and stopping themselves all complete", async () => {
  const system = createActorSystem({ id: "t" });
  const total = 100_000;
  let resolveDone!: () => void;
  const done = new Promise<void>((resolve) => (resolveDone = resolve));
  const step: ActorLogic<number, number> = {
    start: () => 0,
    receive(seen, message, ctx) {
      if (++seen === 3) {
        (ctx.parent as ActorRef<number>).tell(seen + message);
        ctx.stop();
      }
      return seen;
    },
  };
  const counts = { replies: 0, terminated: 0 };
  system.spawn<number | "go">({
    start: () => null,
    receive(s, message, ctx) {
      if (message === "go") {
        for (let i = 0; i < total; i++) {
          const ref = ctx.spawn(step);
          ref.tell(0);
          ref.tell(0);
          ref.tell(1);
        }
      } else if (message === 4) {
        counts.replies++;
      }
      return s;
    },
    onSignal(s, signal) {
      if (signal.type === "terminated" && ++counts.terminated === total) resolveDone();
      return s;
    },
  }, { mailboxCapacity: Number.POSITIVE_INFINITY }).tell("go"); // 100k replies may queue up at once
  await done;
  assert.equal(counts, { replies: total, terminated: total });
  assert.is(system.actorCount, 1);
  await system.terminate();
});

test.run();
