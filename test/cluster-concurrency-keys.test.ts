import { test } from "uvu";
import * as assert from "uvu/assert";
import { eventually } from "./helpers/engine-fixture.js";
import { startQueueCluster } from "./helpers/queue-cluster.js";

type Msg = Record<string, unknown>;

// A workflow's concurrency key holds cluster-wide: executions of one customer spread over three workers (capacity 1
// each) run one at a time across the cluster; the others wait `queued`, naming the key; another customer's run goes on.
const cluster = await startQueueCluster("concurrency-keys");
const { gate, status, listed } = cluster;
for (const id of ["worker-1", "worker-2", "worker-3"]) await cluster.worker(id);
const GATES = ["a-0", "a-1", "a-2", "b", "k-0", "k-1"];

test.after(async () => {
  for (const name of GATES) gate.open(name);
  await cluster.close();
});

/** One run of `per_customer` for `customer`, held at gate `name`, pinned to `worker` (so the spread is the test's). */
const run = async (customer: string, name: string, worker: string) => (await cluster.run({ customer_id: customer, gate: gate.url, name }, { workflow_name: "per_customer", target_instance: worker })).body["execution_id"] as string;
const arrivedOf = (names: string[]) => names.filter((n) => gate.arrived(n) > 0);
const completed = (id: string) => eventually(async () => ((await status(id))["status"] === "completed" ? true : undefined), 60_000, `${id} to complete`);

async function queuedUnderKey(id: string, customer: string): Promise<Msg> {
  return eventually(async () => {
    const r = await status(id);
    const queue = r["queue"] as { reason?: string } | undefined;
    return r["status"] === "queued" && queue?.reason?.includes(`concurrency key ${customer}`) === true ? r : undefined;
  }, 30_000, `${id} queued under concurrency key ${customer}`);
}

test("cluster concurrency keys - one customer's runs spread over three workers run one at a time cluster-wide; another customer's is not held back", async () => {
  await eventually(async () => ((await listed()).filter((n) => n.id.startsWith("worker-") && n.status === "up").length === 3 ? true : undefined), 30_000, "three workers up");
  const first = await run("c-a", "a-0", "worker-1");
  await eventually(() => (gate.arrived("a-0") === 1 ? true : undefined), 30_000, "the first run of c-a at the gate");
  const others = [await run("c-a", "a-1", "worker-2"), await run("c-a", "a-2", "worker-3")];
  for (const id of others) await queuedUnderKey(id, "c-a");

  // worker-2 has a free slot (a queued execution holds none): another customer's run starts there.
  const other = await run("c-b", "b", "worker-2");
  await eventually(() => (gate.arrived("b") === 1 ? true : undefined), 30_000, "c-b's run at the gate, past c-a's queued ones");
  assert.equal(arrivedOf(["a-0", "a-1", "a-2"]), ["a-0"], "one run of c-a at the gate cluster-wide");
  for (const id of others) assert.is((await status(id))["status"], "queued");

  // Each end hands c-a's one place to exactly one waiting run, wherever it waits.
  gate.open("a-0");
  await completed(first);
  const second = await eventually(() => (arrivedOf(["a-1", "a-2"]).length > 0 ? arrivedOf(["a-1", "a-2"]) : undefined), 60_000, "the next run of c-a at the gate");
  assert.is(second.length, 1, `one run of c-a at the gate after the first ended: ${second.join(", ")}`);
  const third = second[0] === "a-1" ? "a-2" : "a-1";
  assert.is((await status(others[third === "a-1" ? 0 : 1]!))["status"], "queued", "the last run of c-a still waits");
  gate.open("b");
  gate.open(second[0]!);
  await eventually(() => (gate.arrived(third) === 1 ? true : undefined), 60_000, "the last run of c-a at the gate");
  gate.open(third);
  for (const id of [...others, other]) await completed(id);
  assert.equal(GATES.slice(0, 4).map((n) => gate.arrived(n)), [1, 1, 1, 1], "every run reached its gate once");
});

test("cluster concurrency keys - a SIGKILLed worker's run is taken over elsewhere and keeps its key's place; the run waiting elsewhere starts when it ends", async () => {
  const held = await run("c-k", "k-0", "worker-3");
  await eventually(() => (gate.arrived("k-0") === 1 ? true : undefined), 30_000, "c-k's first run at the gate on worker-3");
  const waiting = await run("c-k", "k-1", "worker-2");
  await queuedUnderKey(waiting, "c-k");
  assert.is(gate.arrived("k-1"), 0);
  assert.is((await status(held))["node"], "worker-3");
  await cluster.workers[2]!.kill("SIGKILL");
  // Another worker adopts it (its step runs again) and holds c-k's place again, taking over the dead process's.
  await eventually(() => (gate.arrived("k-0") === 2 ? true : undefined), 60_000, "c-k's first run taken over and at the gate again");
  assert.equal([gate.arrived("k-1"), (await status(waiting))["status"]], [0, "queued"], "one run of c-k at a time across the take-over");
  gate.open("k-0");
  await completed(held);
  await eventually(() => (gate.arrived("k-1") === 1 ? true : undefined), 60_000, "c-k's waiting run to take the place once the taken-over one ended");
  gate.open("k-1");
  await completed(waiting);
});

test.run();
