import { test } from "uvu";
import * as assert from "uvu/assert";
import { setImmediate as flush } from "node:timers/promises";
import { connectInMemory, createActorSystem, type ActorLogic, type ActorRef, type DeadLetter } from "../src/actors/index.js";


type Greeting = { text: string; meta: { tags: string[] }; replyTo: ActorRef<Reply> };
type Reply = { echo: string; from: string };

function echoLogic(received: Greeting[]): ActorLogic<null, Greeting> {
  return {
    start: () => null,
    receive(state, message, ctx) {
      received.push(message);
      message.replyTo.tell({ echo: message.text, from: ctx.self.address });
      return state;
    },
  };
}

test("transport - two systems exchange tell and ask by address", async () => {
  const a = createActorSystem({ id: "node-a" });
  const b = createActorSystem({ id: "node-b" });
  connectInMemory(a, b);
  const atB: Greeting[] = [];
  b.spawn(echoLogic(atB), { name: "echo" });
  const atA: Reply[] = [];
  const inbox = a.spawn<Reply>({ start: () => null, receive: (s, m) => (atA.push(m), s) }, { name: "inbox" });

  const sent: Greeting = { text: "hello", meta: { tags: ["x"] }, replyTo: inbox };
  const remote = a.refFor<Greeting>("wfx://node-b/echo");
  remote.tell(sent);
  await flush();
  assert.equal(atA, [{ echo: "hello", from: "wfx://node-b/echo" }]);
  assert.is(atB.length, 1);
  const arrived = atB[0]!;
  assert.is.not(arrived, sent, "the message crossed a boundary: it is a copy");
  assert.equal(arrived.meta, { tags: ["x"] });
  assert.is(arrived.replyTo.address, "wfx://node-a/inbox", "the ref inside was re-created on the other side");
  assert.is(sent.replyTo, inbox, "the sender's message was not modified");

  const reply = await a.ask<Reply, Greeting>(remote, (replyTo) => ({ text: "ping", meta: { tags: [] }, replyTo }), { timeoutMs: 5000 });
  assert.equal(reply, { echo: "ping", from: "wfx://node-b/echo" });
  assert.is(a.pendingAskCount, 0);

  const back = await b.ask<Reply, Greeting>(b.refFor("wfx://node-b/echo"), (replyTo) => ({ text: "local", meta: { tags: [] }, replyTo }), { timeoutMs: 5000 });
  assert.is(back.echo, "local", "the same actor answers local asks");
  await Promise.all([a.terminate(), b.terminate()]);
});

test("transport - a message for a remote actor that is gone is a dead letter over there", async () => {
  const lettersAtB: DeadLetter[] = [];
  const a = createActorSystem({ id: "node-a" });
  const b = createActorSystem({ id: "node-b", onDeadLetter: (l) => lettersAtB.push(l) });
  connectInMemory(a, b);
  a.refFor("wfx://node-b/nobody").tell({ n: 1 });
  await flush();
  assert.equal(lettersAtB, [{ address: "wfx://node-b/nobody", message: { n: 1 }, reason: "stopped" }]);
  await Promise.all([a.terminate(), b.terminate()]);
});

test("transport - a ref made before its transport was registered routes once it is", async () => {
  const letters: DeadLetter[] = [];
  const a = createActorSystem({ id: "node-a", onDeadLetter: (l) => letters.push(l) });
  const b = createActorSystem({ id: "node-b" });
  const got: string[] = [];
  b.spawn<string>({ start: () => null, receive: (s, m) => (got.push(m), s) }, { name: "sink" });
  const ref = a.refFor<string>("wfx://node-b/sink");
  ref.tell("too early");
  assert.equal(letters.map((l) => l.reason), ["no_route"]);
  connectInMemory(a, b);
  ref.tell("on time");
  await flush();
  assert.equal(got, ["on time"]);
  await Promise.all([a.terminate(), b.terminate()]);
});

test.run();
