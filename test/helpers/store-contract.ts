import { suite } from "uvu";
import * as assert from "uvu/assert";
import type { ExecutionEvent, ExecutionStatus, ExecutionStore, ListExecutionsQuery } from "../../src/engine/types.js";
import { runningRecord } from "./store-records.js";

function event(id: string, seq: number, type: ExecutionEvent["type"] = "step.progress"): ExecutionEvent {
  return { execution_id: id, seq, type, time: 1_700_000_000_000 + seq, data: { n: seq } };
}

/** The behaviour every ExecutionStore must have, run against each implementation. */
export function storeContract(name: string, openStore: () => Promise<{ store: ExecutionStore; cleanup(): Promise<void> }>): void {
  const test = suite<{ store: ExecutionStore; cleanup(): Promise<void> }>(`store - ${name} contract`);
  test.before.each(async (ctx) => {
    Object.assign(ctx, await openStore());
  });
  test.after.each(async (ctx) => {
    await ctx.store.close();
    await ctx.cleanup();
  });

  test(`store - ${name} returns what was put, and undefined for unknown ids`, async ({ store }) => {
    store.putRecord(runningRecord("e1", { input: { file: "a.txt" } }));
    assert.equal(await store.getRecord("e1"), runningRecord("e1", { input: { file: "a.txt" } }));
    assert.is(await store.getRecord("nope"), undefined);
  });

  test(`store - ${name} keeps the latest version of a record`, async ({ store }) => {
    store.putRecord(runningRecord("e1"));
    store.putRecord(runningRecord("e1", { status: "completed", end_time: 1_700_000_010, elapsed_time: 10, result: [1, 2] }));
    const got = await store.getRecord("e1");
    assert.is(got?.status, "completed");
    assert.equal(got?.result, [1, 2]);
    assert.is(got?.elapsed_time, 10);
  });

  test(`store - ${name} stores a copy: later mutation of the caller's object changes nothing`, async ({ store }) => {
    const mutable = runningRecord("e1");
    store.putRecord(mutable);
    mutable.status = "failed";
    mutable.steps[0]!.attempts = 99;
    const got = await store.getRecord("e1");
    assert.is(got?.status, "running");
    assert.is(got?.steps[0]?.attempts, 1);
    got!.status = "cancelled";
    assert.is((await store.getRecord("e1"))?.status, "running");
  });

  test(`store - ${name} keeps a resume spec's workflow file and an execution.started graph exactly (they are serialised once per file and plan)`, async ({ store }) => {
    const fileJson = JSON.stringify({ workflows: { wf: { steps: [{ id: "a", function: "./f.js#run", input: 'say "hi"\n\\ \u2028' }] } } });
    const resume = { file_json: fileJson, generation: 2, owner_instance: "n1-1", path: "/w/f.yaml" };
    for (const id of ["r1", "r2"]) store.putRecord(runningRecord(id, { resume }));
    const graph = Object.freeze([Object.freeze({ id: "a", kind: "function", deps: Object.freeze([]) }), Object.freeze({ id: "b", kind: "agent", deps: Object.freeze(["a"]), for_each: true })]);
    const started = (id: string, data: Record<string, unknown>): ExecutionEvent => ({ execution_id: id, seq: 1, type: "execution.started", time: 1_700_000_000_001, data });
    store.appendEvent(started("r1", { node: "n1", total_steps: 2, graph }));
    store.appendEvent(started("r2", { graph }));
    for (const id of ["r1", "r2"]) assert.equal((await store.getRecord(id))?.resume, resume);
    assert.equal(await store.getEvents("r1"), [started("r1", { node: "n1", total_steps: 2, graph: JSON.parse(JSON.stringify(graph)) })]);
    assert.equal(await store.getEvents("r2"), [started("r2", { graph: JSON.parse(JSON.stringify(graph)) })]);
  });

  test(`store - ${name} returns events in order and resumes after a seq`, async ({ store }) => {
    for (let seq = 1; seq <= 5; seq++) store.appendEvent(event("e1", seq));
    store.appendEvent(event("e2", 1, "execution.started"));
    assert.equal((await store.getEvents("e1")).map((e) => e.seq), [1, 2, 3, 4, 5]);
    assert.equal(await store.getEvents("e1", 3), [event("e1", 4), event("e1", 5)]);
    assert.equal(await store.getEvents("e1", 5), []);
    assert.equal(await store.getEvents("e2"), [event("e2", 1, "execution.started")]);
    assert.equal(await store.getEvents("unknown"), []);
  });

  test(`store - ${name} lists newest first, filtered by status and workflow, limited`, async ({ store }) => {
    const statuses: ExecutionStatus[] = ["running", "completed", "failed", "completed"];
    statuses.forEach((status, i) =>
      store.putRecord(runningRecord(`e${i}`, { status, start_time: 1_700_000_000 + i, workflow_name: i % 2 === 0 ? "even" : "odd" })),
    );
    assert.equal((await store.listRecords()).map((r) => r.execution_id), ["e3", "e2", "e1", "e0"]);
    assert.equal((await store.listRecords({ status: "completed" })).map((r) => r.execution_id), ["e3", "e1"]);
    assert.equal((await store.listRecords({ workflow_name: "even" })).map((r) => r.execution_id), ["e2", "e0"]);
    assert.equal((await store.listRecords({ workflow_name: "odd", status: "failed" })).map((r) => r.execution_id), []);
    assert.equal((await store.listRecords({ limit: 2 })).map((r) => r.execution_id), ["e3", "e2"]);
    assert.equal(await store.listRecords({ limit: 0 }), []);
  });

  test(`store - ${name} filters by who started a record (owner_allowed) before counting and paging`, async ({ store }) => {
    const owners = [{ started_by: "a1", started_by_tenant: "team-a" }, { started_by: "b" }, { started_by: "a2", started_by_tenant: "team-a" }, {}];
    owners.forEach((owner, i) => store.putRecord(runningRecord(`o${i}`, { ...owner, start_time: 1_700_000_000 + i })));
    const query: ListExecutionsQuery = { owner_allowed: (o) => o.started_by_tenant === "team-a", limit: 1 };
    assert.equal((await store.listRecords(query)).map((r) => [r.execution_id, r.started_by, r.started_by_tenant]), [["o2", "a2", "team-a"]]);
    assert.equal([query.matched, query.status_counts], [2, { running: 2 }]);
    assert.equal((await store.listRecords({ owner_allowed: (o) => o.started_by === undefined })).map((r) => r.execution_id), ["o3"]);
  });

  test(`store - ${name} a claim is won once: later claimants see the winner's value until it is released`, async ({ store }) => {
    const tries = await Promise.all(Array.from({ length: 8 }, (_, i) => store.claim("key/a b", { by: i })));
    const winners = tries.filter((t) => t === undefined);
    assert.is(winners.length, 1, "exactly one claimant wins");
    const value = tries.find((t) => t !== undefined)!;
    assert.ok(tries.every((t) => t === undefined || t["by"] === value["by"]), "every loser sees the same winner");
    assert.equal(await store.claim("key/a b", { by: "late" }), value);
    await store.release("key/a b");
    assert.is(await store.claim("key/a b", { by: "after release" }), undefined);
    assert.is(await store.claim("other", { by: 1 }), undefined, "names are independent");
  });

  test(`store - ${name} flush and close resolve, and writes after close are refused`, async ({ store }) => {
    store.putRecord(runningRecord("e1"));
    await store.flush();
    await store.close();
    try {
      store.putRecord(runningRecord("e2"));
      assert.unreachable("putRecord after close must throw");
    } catch (err) {
      assert.is((err as { code?: string }).code, "WFX_STORE_CLOSED");
    }
  });

  test.run();
}

