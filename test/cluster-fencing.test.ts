import { existsSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { test } from "uvu";
import * as assert from "uvu/assert";
import { eventually } from "./helpers/engine-fixture.js";
import { post } from "./helpers/gateway-node.js";
import { startGatedPair } from "./helpers/gated-pair.js";
import { connect } from "@nats-io/transport-node";
import { parse } from "yaml";
import { startSubject } from "../src/cluster/index.js";
import { WorkflowFileSchema } from "../src/config/index.js";
import { testWire } from "./helpers/cluster-key.js";

// A node paused past detection (SIGSTOP) loses its execution to an adopter; when it wakes (SIGCONT) and its step ends,
// its first write of that execution is refused (fencing): it stops, and the execution's log stays the adopter's.
const pair = await startGatedPair("fencing", `import { writeFileSync, existsSync } from "node:fs";
import { setTimeout as sleep } from "node:timers/promises";
/** Says it started (by pid), waits until told to finish (a file appears), then says it ended. */
export async function gated(input, { signal }) {
  writeFileSync(input.dir + "/started." + process.pid, "");
  while (!existsSync(input.dir + "/go")) await sleep(20, undefined, { signal });
  writeFileSync(input.dir + "/ended." + process.pid, "");
  return { pid: process.pid };
}
`);
const { nats, a, b, markers, flows, tempDir } = pair;

test.after(() => pair.close());

type Event = { seq: number; type: string };
const markerOf = (what: string, pid: number | undefined) => join(markers, `${what}.${pid}`);

test("fencing - a paused owner's execution is adopted; when it wakes, its writes are refused and it stops running it", async () => {
  await pair.bothUp();
  const started = (await post(a.url, "execute_workflow", { workflow_name: "gated", input_data: { dir: markers }, execution_mode: "async", target_instance: "a-1" })).body;
  const id = String(started["execution_id"]);
  await eventually(async () => (existsSync(markerOf("started", a.child.pid)) ? true : undefined), 15_000, "the step started on a-1");

  a.child.kill("SIGSTOP");
  await eventually(async () => (existsSync(markerOf("started", b.child.pid)) ? true : undefined), 30_000, "b-1 adopted the execution and ran the step again");
  writeFileSync(join(markers, "go"), "");
  const adopted = await eventually(async () => {
    const body = (await post(b.url, "check_execution_status", { execution_id: id })).body;
    return body["status"] === "completed" ? body : undefined;
  }, 15_000, "the adopter completed it");

  a.child.kill("SIGCONT");
  await eventually(async () => (existsSync(markerOf("ended", a.child.pid)) ? true : undefined), 15_000, "a-1's copy of the step ended after it woke");
  await eventually(async () => (/fenced: .*another node adopted it/.test(a.stderr()) ? true : undefined), 15_000, "a-1 said it was fenced");

  const record = (await post(b.url, "check_execution_status", { execution_id: id })).body;
  assert.equal([record["status"], record["node"]], ["completed", "b-1"], JSON.stringify(record));
  // The woken node answers from the store (the adopter's truth), never from the copy it stopped ('cancelled: fenced').
  const fromStale = await eventually(async () => {
    const body = (await post(a.url, "check_execution_status", { execution_id: id })).body;
    return body["status"] === "running" ? undefined : body;
  }, 15_000, "a-1 to stop answering 'running'");
  assert.equal([fromStale["status"], fromStale["node"]], ["completed", "b-1"], JSON.stringify(fromStale));
  assert.equal(record["result"] ?? adopted["result"], adopted["result"]);
  const events = (await post(b.url, "watch_execution", { execution_id: id, after_seq: 0, wait: 0 })).body["events"] as Event[];
  const seqs = events.map((e) => e.seq);
  assert.equal(seqs, seqs.map((_, i) => i + 1), `gapless, no duplicates: ${seqs.join(",")}`);
  assert.equal(events.filter((e) => e.type.startsWith("execution.") && ["execution.completed", "execution.failed", "execution.cancelled", "execution.timeout"].includes(e.type)).map((e) => e.type), ["execution.completed"]);
  assert.is(events.at(-1)!.type, "execution.completed");
  assert.ok(readdirSync(markers).includes(`ended.${a.child.pid}`));
});

test("start claim - an execution order sent twice, to the node that runs it and to another, starts once", async () => {
  const dir = tempDir("twice");
  writeFileSync(join(dir, "go"), "");
  const nc = await connect({ servers: nats.url });
  try {
    const wire = testWire(nc);
    const order = { executionId: "placed-twice-1", workflowName: "gated", fileJson: JSON.stringify(WorkflowFileSchema.parse(parse(readFileSync(join(flows, "flow.yaml"), "utf8")))), origin: "operator", fileName: "flow.yaml", input: { dir }, mode: "async", placedBy: "test" };
    const send = async (nodeId: string) => JSON.parse(new TextDecoder().decode(await wire.request(startSubject(nodeId), new TextEncoder().encode(JSON.stringify(order)), { timeout: 10_000, encrypt: true }))) as Record<string, unknown>;
    const first = await send("b-1");
    assert.ok("record" in first, JSON.stringify(first));
    assert.equal(await send("a-1"), { startedOn: "b-1" });
    const again = await send("b-1");
    assert.is((again["record"] as { execution_id: string }).execution_id, "placed-twice-1");
    await eventually(async () => { const body = (await post(b.url, "check_execution_status", { execution_id: "placed-twice-1" })).body; return body["status"] === "completed" ? true : undefined; }, 15_000, "the execution completed");
    assert.equal(readdirSync(dir).filter((f) => f.startsWith("started.")), [`started.${b.child.pid}`], "its step ran once, on b-1");
  } finally {
    await nc.close();
  }
});

test.run();
