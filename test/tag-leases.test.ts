import { test } from "uvu";
import * as assert from "uvu/assert";
import { countsOf, emptyLeases, hasClaim, leasesOf, liveLeases, lineOf, reconcile, waitingMessage, type OwnLeases, type TagLeases } from "../src/cluster/tag-leases.js";
import { tagKeyOf } from "../src/cluster/lease-store.js";

const LEASE = 15_000;
const own = (holder: string, now: number, entries: OwnLeases["entries"], limit = 2): OwnLeases => ({ holder, node: `node-${holder}`, limit, now, leaseMs: LEASE, entries });
const ask = (id: string, priority = 5, seq?: number, held = false) => ({ id, priority, held, seq, step: `e/${id}` });

/** One node's write: its own entries as it knows them, carried from its last write (as TagLimits keeps them). */
function write(value: TagLeases, holder: string, now: number, entries: OwnLeases["entries"], limit = 2) {
  return reconcile(value, own(holder, now, entries, limit));
}

test("tag leases - places go to the first asks up to the limit; the rest wait in arrival order, numbered across nodes", () => {
  let v = emptyLeases("gpu");
  const a = write(v, "A", 0, [ask("a1"), ask("a2"), ask("a3")]);
  assert.equal(a.granted, ["a1", "a2"]);
  assert.equal([...a.seqs], [["a1", 1], ["a2", 2], ["a3", 3]]);
  v = a.value;
  const b = write(v, "B", 1, [ask("b1")]);
  assert.equal(b.granted, [], "no place left");
  v = b.value;
  assert.equal(lineOf(v).map((e) => e.id), ["a3", "b1"]);
  assert.equal(countsOf(v), { running: 2, waiting: 2, limit: 2 });
  assert.is(waitingMessage("tag 'gpu'", v, 2), "waiting for the cluster limit on tag 'gpu' (2 of 2 running)");
});

test("tag leases - a release frees a place for the first in line only, whoever's it is; each node claims its own", () => {
  let v = write(emptyLeases("gpu"), "A", 0, [ask("a1"), ask("a2")]).value;
  v = write(v, "B", 1, [ask("b1")]).value;
  v = write(v, "A", 2, [ask("a1", 5, 1, true), ask("a2", 5, 2, true), ask("a3")]).value;
  // A releases a1: b1 (earlier) is first in line, so A's own a3 must not take the place.
  const released = write(v, "A", 3, [ask("a2", 5, 2, true), ask("a3", 5, 4)]);
  assert.equal(released.granted, []);
  assert.ok(hasClaim(released.value, "B", 2, 4), "B's b1 may take the freed place");
  assert.not.ok(hasClaim(released.value, "A", 2, 4));
  const claimed = write(released.value, "B", 4, [ask("b1", 5, 3)]);
  assert.equal(claimed.granted, ["b1"]);
});

test("tag leases - priority goes before arrival", () => {
  let v = write(emptyLeases("gpu"), "A", 0, [ask("a1"), ask("a2")]).value;
  v = write(v, "A", 1, [ask("a1", 5, 1, true), ask("a2", 5, 2, true), ask("low", 0)]).value;
  v = write(v, "B", 2, [ask("high", 9)]).value;
  assert.equal(lineOf(v).map((e) => e.id), ["high", "low"]);
});

test("tag leases - a holder that stops renewing is dropped with its places by the next write after its lease", () => {
  let v = write(emptyLeases("gpu"), "A", 0, [ask("a1"), ask("a2")]).value;
  v = write(v, "B", 1000, [ask("b1")]).value;
  assert.equal(countsOf(liveLeases(v, LEASE - 1)).running, 2, "A's places hold until its lease ends");
  assert.ok(hasClaim(v, "B", 2, LEASE + 1), "past A's lease, B's ask is first with places free");
  const after = write(v, "B", LEASE + 1, [ask("b1", 5, 3)]);
  assert.equal(after.granted, ["b1"]);
  assert.equal(Object.keys(after.value.holders), ["B"]);
  assert.equal(after.value.entries.map((e) => e.id), ["b1"]);
  // A came back (NATS was away, not the process): its running steps are written back, over the limit if need be.
  const back = write(after.value, "A", LEASE + 2, [ask("a1", 5, 1, true), ask("a2", 5, 2, true)]);
  assert.equal(countsOf(back.value), { running: 3, waiting: 0, limit: 2 });
});

test("tag leases - a lost compare-and-set is reconciled again over the fresh value: no place is given twice", () => {
  const start = write(emptyLeases("gpu"), "A", 0, [ask("a1")], 2).value;
  // A and B both read `start` (one place free) and both reconcile; B's write lands first.
  const fromB = write(start, "B", 1, [ask("b1")]);
  const fromA = write(start, "A", 1, [ask("a1", 5, 1, true), ask("a2")]);
  assert.equal(fromB.granted, ["b1"]);
  assert.equal(fromA.granted, ["a2"], "A's write, had it landed, would have taken the place too");
  // A's compare-and-set fails; it reconciles the value B wrote.
  const retried = write(fromB.value, "A", 2, [ask("a1", 5, 1, true), ask("a2")]);
  assert.equal(retried.granted, []);
  assert.equal(countsOf(retried.value), { running: 2, waiting: 1, limit: 2 });
});

test("tag leases - the smallest limit of the live holders applies; a holder with nothing left leaves", () => {
  let v = write(emptyLeases("gpu"), "A", 0, [ask("a1")], 3).value;
  const b = write(v, "B", 1, [ask("b1"), ask("b2")], 2);
  assert.equal(b.granted, ["b1"], "B says 2: one place is left, not two");
  v = b.value;
  assert.is(countsOf(v).limit, 2);
  v = write(v, "B", 2, []).value;
  assert.equal(Object.keys(v.holders), ["A"]);
  assert.is(countsOf(v, 3).limit, 3);
});

test("tag leases - stored values are checked when read; tags become readable KV keys", () => {
  const v = write(emptyLeases("gpu"), "A", 0, [ask("a1")]).value;
  assert.equal(leasesOf(JSON.parse(JSON.stringify(v))), v);
  assert.is(leasesOf({ tag: "gpu", next_seq: 1, holders: {}, entries: [{ id: 1 }] }), undefined);
  assert.is(leasesOf({ tag: "gpu" }), undefined);
  assert.is(tagKeyOf("gpu"), "tag.gpu");
  assert.is(tagKeyOf("zone:eu.1"), "tag.zone=3aeu=2e1");
});

test("tag leases - a new ask for a step another process holds or waits for takes that entry over: its place, or its turn", () => {
  let v = write(emptyLeases("gpu"), "A", 0, [ask("a1"), ask("a2"), ask("a3")]).value;
  v = write(v, "B", 1, [ask("b1")]).value;
  // A died; C takes over its execution e/a1 (running: held) and e/a3 (waiting, ahead of b1).
  const took = reconcile(v, { ...own("C", 2, [{ id: "c1", priority: 5, held: false, step: "e/a1" }, { id: "c3", priority: 5, held: false, step: "e/a3" }]) });
  assert.equal(took.granted, ["c1"], "the held place passes to C at once");
  assert.equal([...took.seqs], [["c1", 1], ["c3", 3]], "each keeps the turn it had");
  assert.equal(countsOf(took.value), { running: 2, waiting: 2, limit: 2 }, "nothing counted twice");
  assert.equal(lineOf(took.value).map((e) => e.id), ["c3", "b1"]);
});

test("tag leases - a restarted node drops the turns its earlier incarnation waited in (node ids are unique among live processes), keeping its places for take-over", () => {
  const first = { holder: "A1", node: "worker-1", limit: 1, now: 0, leaseMs: LEASE };
  let v = reconcile(emptyLeases("gpu"), { ...first, entries: [ask("run"), ask("wait")] }).value;
  v = write(v, "B", 1, [ask("b1")]).value;
  assert.equal(lineOf(v).map((e) => e.id), ["wait", "b1"]);
  // worker-1 restarts as A2 within A1's lease: A1's waiting turn would hold b1 back until the lease ran out.
  const again = reconcile(v, { ...first, holder: "A2", now: 2, entries: [ask("mine")] });
  assert.equal(lineOf(again.value).map((e) => e.id), ["b1", "mine"]);
  assert.equal(again.value.entries.filter((e) => e.held).map((e) => e.id), ["run"], "A1's running place stays until taken over or expired");
});

test("tag leases - a taken-over step that ended before its take-over was written drops the dead process's entry for it", () => {
  const v = write(emptyLeases("gpu"), "A", 0, [ask("a1"), ask("a2")]).value;
  const after = reconcile(v, { ...own("C", 1, []), ended: ["e/a1"] });
  assert.equal(after.value.entries.map((e) => e.id), ["a2"], "A's place for e/a1 is gone, not held until A's lease ends");
  assert.equal(countsOf(after.value), { running: 1, waiting: 0, limit: 2 });
});

test.run();
