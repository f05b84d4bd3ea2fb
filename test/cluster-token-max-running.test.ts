import { test } from "uvu";
import * as assert from "uvu/assert";
import { eventually } from "./helpers/engine-fixture.js";
import { startQueueCluster } from "./helpers/queue-cluster.js";

type Msg = Record<string, unknown>;

// A token's own max_running holds across the cluster (two workers of capacity 1 run one of its executions at a time),
// the node's default for tokens that set none stays a per-node share, and an execution taken over after its worker died
// keeps its token's place: what waits behind it does not start when the dead process's lease runs out.
const OWN = "token-max-running-own-0123456789";
const DEFAULT = "token-max-running-default-0123456789";
const cluster = await startQueueCluster("token-max-running", {
  tokens: [`- { id: own, token: "${OWN}", scopes: [execute, read], max_running: 1 }`, `- { id: dflt, token: "${DEFAULT}", scopes: [execute, read] }`].join("\n"),
  reader: OWN,
});
const { gate } = cluster;
for (const id of ["worker-1", "worker-2"]) await cluster.worker(id);
const GATES = ["d-1", "d-2", "o-1", "o-2", "o-3", "o-4"];

test.after(async () => {
  for (const name of GATES) gate.open(name);
  await cluster.close();
});

const run = async (token: string, name: string, worker: string) => {
  const answer = await cluster.run({ gate: gate.url, name }, { target_instance: worker }, token);
  assert.type(answer.body["execution_id"], "string", JSON.stringify(answer.body));
  return answer.body["execution_id"] as string;
};
const atGate = (name: string, times = 1) => eventually(() => (gate.arrived(name) === times ? true : undefined), 60_000, `${name} at the gate (${times})`);
const completed = (id: string, token: string) => eventually(async () => ((await cluster.status(id, token))["status"] === "completed" ? true : undefined), 60_000, `${id} to complete`);

async function queuedUnderToken(id: string): Promise<Msg> {
  return eventually(async () => {
    const r = await cluster.status(id, OWN);
    const queue = r["queue"] as { reason?: string } | undefined;
    return r["status"] === "queued" && queue?.reason?.includes("token own") === true ? r : undefined;
  }, 30_000, `${id} queued under token own`);
}

test("token max_running - a token's own max_running holds cluster-wide; the node's default stays a per-node share", async () => {
  await eventually(async () => ((await cluster.listed()).filter((n) => n.id.startsWith("worker-") && n.status === "up").length === 2 ? true : undefined), 30_000, "two workers up");
  // No max_running of its own: the gateway's default (1) is a share of one node's slots, so both workers run one each.
  const defaults = [await run(DEFAULT, "d-1", "worker-1"), await run(DEFAULT, "d-2", "worker-2")];
  await atGate("d-1");
  await atGate("d-2");
  for (const name of ["d-1", "d-2"]) gate.open(name);
  for (const id of defaults) await completed(id, DEFAULT);

  // max_running 1 of its own: one run at a time across both workers, though worker-2 has a free slot.
  const first = await run(OWN, "o-1", "worker-1");
  await atGate("o-1");
  const second = await run(OWN, "o-2", "worker-2");
  const queued = await queuedUnderToken(second);
  assert.match(String((queued["queue"] as Msg)["reason"]), /token own/);
  assert.is(gate.arrived("o-2"), 0);
  gate.open("o-1");
  await completed(first, OWN);
  await atGate("o-2");
  gate.open("o-2");
  await completed(second, OWN);
});

test("token max_running - an execution taken over after its worker was SIGKILLed keeps its token's place past the dead process's lease", async () => {
  const held = await run(OWN, "o-3", "worker-2");
  await atGate("o-3");
  const waiting = await run(OWN, "o-4", "worker-1");
  await queuedUnderToken(waiting);
  await cluster.workers[1]!.kill("SIGKILL");
  const killedAt = Date.now();
  // Restarted on its data dir, worker-2 takes its execution over: the step runs again and reaches the gate again.
  await cluster.worker("worker-2");
  await atGate("o-3", 2);
  // The dead process's lease (15 s) has run out by now; the place is the resumed execution's, so o-4 still waits.
  await new Promise((resolve) => setTimeout(resolve, Math.max(0, killedAt + 20_000 - Date.now())));
  assert.is(gate.arrived("o-4"), 0, "the waiting run did not start while the taken-over one runs");
  assert.is((await cluster.status(waiting, OWN))["status"], "queued");
  gate.open("o-3");
  await completed(held, OWN);
  await atGate("o-4");
  gate.open("o-4");
  await completed(waiting, OWN);
});

test.run();
