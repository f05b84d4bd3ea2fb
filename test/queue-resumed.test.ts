import { test } from "uvu";
import * as assert from "uvu/assert";
import { Admission, ExecutionQueue, type QueueTicket } from "../src/engine/internal.js";
import { ticketFor } from "../src/gateway/operations/queue-tickets.js";
import { TokenStore } from "../src/gateway/auth/token-store.js";

const TOKEN_LIMIT = { key: "token\u0000t", limit: 1, what: "token t", kind: "max_running" as const };
const ticket = (priority = 5): QueueTicket => ({ priority, key: "token\u0000t", limits: [TOKEN_LIMIT] });

/** Starts that only end when the test says. */
function runs() {
  const started: string[] = [];
  const ends = new Map<string, () => void>();
  const start = (id: string) => () => {
    started.push(id);
    return new Promise<void>((resolve) => ends.set(id, resolve));
  };
  return { started, start, end: (id: string) => ends.get(id)!() };
}

test("queue - an execution taken over after a restart counts under its token's max_running: what waited behind it starts when it ends", async () => {
  const queue = new ExecutionQueue(new Admission(4), { maxQueued: 10 });
  const { started, start } = runs();
  const release = queue.resumed("resumed-1", { priority: 5, limits: [TOKEN_LIMIT] });
  assert.is(queue.tryTake(ticket()), undefined, "the token's one place is the resumed execution's");
  const place = queue.enqueue("waiting-1", ticket(), start("waiting-1"));
  assert.is(place.reason, "token t at max_running 1");
  queue.dispatch();
  assert.equal(started, []);
  release();
  assert.equal(started, ["waiting-1"]);
  release();
  assert.equal(started, ["waiting-1"], "a second release gives nothing back twice");
});

test("queue - while starts are held (a restarting node's first scan), nothing starts and newcomers wait in line; released, they start in order", async () => {
  const queue = new ExecutionQueue(new Admission(2), { maxQueued: 10 });
  const { started, start } = runs();
  const released = queue.holdStarts();
  const free: QueueTicket = { priority: 5, key: "k", limits: [] };
  assert.is(queue.tryTake(free), undefined);
  queue.enqueue("low", { ...free, priority: 1 }, start("low"));
  queue.enqueue("high", { ...free, priority: 9 }, start("high"));
  queue.dispatch();
  assert.equal(started, []);
  assert.is(queue.reasonOf("high"), "waiting for its turn");
  released();
  assert.equal(started, ["high", "low"]);
  assert.is(queue.reasonOf("high"), undefined, "no longer waits");
});

test("queue - the reason a waiting execution gives is the limit that holds it now, not the one that held it when it was queued", async () => {
  const admission = new Admission(2);
  const queue = new ExecutionQueue(admission, { maxQueued: 10 });
  const { start, end } = runs();
  const taken = [queue.tryTake({ priority: 5, key: "other", limits: [] })!, queue.tryTake({ priority: 5, key: "other", limits: [] })!];
  queue.enqueue("first", ticket(), start("first"));
  assert.is(queue.reasonOf("first"), "node at capacity 2/2");
  // Taken over after its process died: a slot past capacity (it was admitted once) and the token's place.
  const resumed = queue.resumed("resumed-2", { priority: 5, limits: [TOKEN_LIMIT] });
  assert.is(admission.running, 3);
  for (const t of taken) t.release();
  assert.is(queue.reasonOf("first"), "token t at max_running 1", "slots freed; the token's limit holds it now");
  resumed();
  assert.is(queue.reasonOf("first"), undefined);
  assert.is(admission.running, 1, "the resumed execution's slot went back, the waiting one's taken");
  end("first");
});

test("queue tickets - a token's own max_running is held cluster-wide; the node's default for tokens that set none is per node", () => {
  const store = new TokenStore([{ id: "own", token: "own-token-0123456789", scopes: ["execute"], max_running: 3 }, { id: "dflt", token: "dflt-token-0123456789", scopes: ["execute"] }], { maxRunning: 2 });
  const own = store.authenticate("Bearer own-token-0123456789");
  const dflt = store.authenticate("Bearer dflt-token-0123456789");
  assert.equal(ticketFor("w", undefined, {}, own, undefined).limits, [{ key: "token\u0000own", limit: 3, what: "token own", kind: "max_running" }]);
  assert.equal(ticketFor("w", undefined, {}, dflt, undefined).limits, [{ key: "token\u0000dflt", limit: 2, what: "token dflt", kind: "max_running", per_node: true }]);
});

test.run();
