import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { test } from "uvu";
import * as assert from "uvu/assert";
import { eventually } from "./helpers/engine-fixture.js";
import { post } from "./helpers/gateway-node.js";
import { startGatedPair } from "./helpers/gated-pair.js";

// A node fenced on an execution (paused past detection, adopted, woken) adopts it again once its adopter dies: the
// fence held for the earlier owner only, so what it now writes of the execution lands (the chaos test saw such an
// execution end in the re-adopter's memory while its store kept it running, the end event never written).
const pair = await startGatedPair("readopt", `import { appendFileSync, existsSync } from "node:fs";
import { setTimeout as sleep } from "node:timers/promises";
/** Says it started (by pid), waits until told to finish (go, or go.<its pid>), then says it ended. */
export async function gated(input, { signal }) {
  appendFileSync(input.dir + "/ledger.txt", "start " + process.pid + "\\n");
  while (!existsSync(input.dir + "/go") && !existsSync(input.dir + "/go." + process.pid)) await sleep(20, undefined, { signal });
  appendFileSync(input.dir + "/ledger.txt", "end " + process.pid + "\\n");
  return { pid: process.pid };
}
`);
const { a, b, markers } = pair;
const ledger = join(markers, "ledger.txt");
writeFileSync(ledger, "");

test.after(() => pair.close());

type Event = { seq: number; type: string };
const ledgerHas = (line: string, times = 1) => readFileSync(ledger, "utf8").split("\n").filter((l) => l === line).length >= times;

test("re-adoption - a node fenced on an execution adopts it again when its adopter dies, and its writes of it land", async () => {
  await pair.bothUp();
  const started = (await post(a.url, "execute_workflow", { workflow_name: "gated", input_data: { dir: markers }, execution_mode: "async", target_instance: "a-1" })).body;
  const id = String(started["execution_id"]);
  await eventually(async () => (ledgerHas(`start ${a.child.pid}`) ? true : undefined), 15_000, "the step started on a-1");

  // Paused past detection: b-1 adopts it. Woken, a-1's copy of the step ends and its write is refused: fenced.
  a.child.kill("SIGSTOP");
  await eventually(async () => (ledgerHas(`start ${b.child.pid}`) ? true : undefined), 30_000, "b-1 adopted the execution");
  a.child.kill("SIGCONT");
  writeFileSync(join(markers, `go.${a.child.pid}`), "");
  await eventually(async () => (/fenced: .*another node adopted it/.test(a.stderr()) ? true : undefined), 15_000, "a-1 said it was fenced");

  // The adopter dies mid-step: a-1, the only node left, adopts the execution again and runs the step a second time.
  await b.kill("SIGKILL");
  await eventually(async () => (ledgerHas(`start ${a.child.pid}`, 2) ? true : undefined), 30_000, "a-1 adopted it again");
  writeFileSync(join(markers, "go"), "");
  await eventually(async () => ((await post(a.url, "check_execution_status", { execution_id: id })).body["status"] === "completed" ? true : undefined), 15_000, "a-1 completed it");

  // What the store holds (a node that never ran it reads it), not a-1's memory: completed by a-1, the end event written.
  const c = await pair.node("c-1");
  const record = await eventually(async () => {
    const body = (await post(c.url, "check_execution_status", { execution_id: id })).body;
    return body["status"] === "completed" ? body : undefined;
  }, 15_000, "the stored record completed");
  assert.is(record["node"], "a-1", JSON.stringify(record));
  const events = (await post(c.url, "watch_execution", { execution_id: id, after_seq: 0, wait: 0 })).body["events"] as Event[];
  const seqs = events.map((e) => e.seq);
  assert.equal(seqs, seqs.map((_, i) => i + 1), `gapless, no duplicates: ${seqs.join(",")}`);
  assert.is(events.filter((e) => e.type === "execution.resumed").length, 2, events.map((e) => e.type).join(" "));
  assert.is(events.at(-1)!.type, "execution.completed", events.map((e) => e.type).join(" "));
});

test.run();
