import { appendFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "uvu";
import * as assert from "uvu/assert";
import { eventually } from "./helpers/engine-fixture.js";
import { post } from "./helpers/gateway-node.js";
import { startNatsServer } from "./helpers/nats-server.js";
import { seeded } from "./helpers/seeded.js";
import { startServe, type ServeProcess } from "./helpers/serve-process.js";

// Chaos, bounded and replayable: three nodes run executions mixing local and placed steps while a schedule drawn from
// the seed kills a node (and brings it back), pauses another past detection, and kills and restarts nats-server.
// Replay a run with WFX_CHAOS_SEED=<the seed it printed>.
const SEED = Number(process.env["WFX_CHAOS_SEED"] ?? Math.floor(Math.random() * 2 ** 31));
const EXECUTIONS = 200;
const SUBMIT_OVER_MS = 8000;
console.log(`chaos seed ${SEED} (replay: WFX_CHAOS_SEED=${SEED})`);
const random = seeded(SEED);

const nats = await startNatsServer();
const dirs: string[] = [];
function tempDir(name: string): string {
  const dir = mkdtempSync(join(tmpdir(), `wfx-chaos-${name}-`));
  dirs.push(dir);
  return dir;
}

const ledger = join(tempDir("ledger"), "ledger.txt");
writeFileSync(ledger, "");
const flows = tempDir("flows");
writeFileSync(join(flows, "steps.mjs"), `import { appendFileSync } from "node:fs";
import { setTimeout as sleep } from "node:timers/promises";
/** Appends 'start' and 'end' lines to the ledger around a short wait: what ran, and what ran to its end. */
export async function work(input, ctx) {
  appendFileSync(input.ledger, "start " + ctx.executionId + " " + ctx.stepId + " " + process.pid + "\\n");
  await sleep(input.ms, undefined, { signal: ctx.signal });
  appendFileSync(input.ledger, "end " + ctx.executionId + " " + ctx.stepId + " " + process.pid + "\\n");
  return { step: ctx.stepId, pid: process.pid };
}
`);
const stepsOf = (retry: string) => `    steps:
      - { id: first, function: ./steps.mjs#work, input: "\${input}"${retry} }
      - { id: far, function: ./steps.mjs#work, input: "\${input}", placement: { tags: [far] }${retry} }
      - { id: last, function: ./steps.mjs#work, input: "\${input}"${retry} }
`;
writeFileSync(join(flows, "flow.yaml"), `workflows:\n  sturdy:\n${stepsOf(", retry: { max: 10, backoff_ms: 100 }")}  fragile:\n${stepsOf("")}`);

const ids = ["c-1", "c-2", "c-3"];
const tagsOf: Record<string, string[]> = { "c-1": [], "c-2": ["far"], "c-3": ["far"] };
const nodes = new Map<string, ServeProcess>();
/** Every node process started, the killed ones too: their logs are kept when a run finds problems. */
const everStarted: { id: string; node: ServeProcess }[] = [];
/** Nodes not to send work to right now (killed or paused). */
const away = new Set<string>();

async function start(id: string): Promise<ServeProcess> {
  const node = await startServe(tempDir(id), ["--node-id", id, "--nats", nats.url, "--workflows", flows, "--max-concurrent", "400", ...(tagsOf[id]!.length > 0 ? ["--tags", tagsOf[id]!.join(",")] : [])], { WFX_PLACEMENT_TIMEOUT_S: "60" }, "node");
  nodes.set(id, node);
  everStarted.push({ id, node });
  return node;
}
for (const id of ids) await start(id);

test.after(async () => {
  for (const node of nodes.values()) {
    node.child.kill("SIGCONT");
    await node.kill("SIGTERM");
  }
  await nats.close();
  if (process.exitCode === undefined || process.exitCode === 0) for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
type Event = { seq: number; type: string; step?: string; data?: { completed?: string[]; kind?: string } };
type Record_ = { status: string; workflow_name: string; error?: { code: string; message: string } };

async function anyNode<T>(call: (url: string) => Promise<T>): Promise<T> {
  for (const id of ids.filter((i) => !away.has(i))) {
    try {
      return await call(nodes.get(id)!.url);
    } catch {
      // That node went away since; ask the next.
    }
  }
  throw new Error("no node answered");
}

/** The fault schedule, drawn from the seed: a crash, a pause past detection, a NATS restart, at separate times. */
async function chaos(log: string[]): Promise<void> {
  const [killed, paused] = random() < 0.5 ? ["c-2", "c-3"] : ["c-3", "c-2"];
  const order = random() < 0.5 ? ["kill", "pause", "nats"] : ["pause", "kill", "nats"];
  for (const fault of order) {
    await sleep(1000 + Math.floor(random() * 1500));
    if (fault === "kill") {
      away.add(killed);
      log.push(`SIGKILL ${killed}`);
      await nodes.get(killed)!.kill("SIGKILL");
      await sleep(1500);
      await start(killed);
      away.delete(killed);
      log.push(`restarted ${killed}`);
    } else if (fault === "pause") {
      away.add(paused);
      log.push(`SIGSTOP ${paused}`);
      nodes.get(paused)!.child.kill("SIGSTOP");
      await sleep(4500); // past detection (3 missed beats of 1 s)
      nodes.get(paused)!.child.kill("SIGCONT");
      away.delete(paused);
      log.push(`SIGCONT ${paused}`);
    } else {
      log.push("SIGKILL nats-server");
      away.add("c-1").add("c-2").add("c-3");
      await nats.stop("SIGKILL");
      await sleep(800);
      await nats.start();
      away.clear();
      log.push("nats-server back");
    }
  }
}

test("chaos - 200 executions through a node crash, a pause past detection and a NATS restart: every one ends, none is lost or run wrongly", async () => {
  const log: string[] = [];
  const faults = chaos(log);
  const started: { id: string; workflow: string }[] = [];
  for (let i = 0; i < EXECUTIONS; i++) {
    const workflow = random() < 0.7 ? "sturdy" : "fragile";
    const input = { ledger, ms: 50 + Math.floor(random() * 400) };
    const target = ids.filter((id) => !away.has(id));
    const pick = target[Math.floor(random() * target.length)] ?? "c-1";
    // A node that goes away just now: the next one takes it (the caller of a real cluster would retry the same way).
    const answer = await eventually(async () => {
      for (const id of [pick, ...ids.filter((x) => x !== pick)]) {
        if (away.has(id)) continue;
        const res = await post(nodes.get(id)!.url, "execute_workflow", { workflow_name: workflow, input_data: input, execution_mode: "async" }).catch(() => undefined);
        if (res?.status === 200) return res.body;
      }
      return undefined;
    }, 30_000, "a node took the execution");
    started.push({ id: String(answer["execution_id"]), workflow });
    await sleep(SUBMIT_OVER_MS / EXECUTIONS);
  }
  await faults;
  console.log(`faults: ${log.join(", ")}`);

  // Every execution final within a bound once the last fault is over.
  const finals = new Map<string, Record_>();
  await eventually(async () => {
    for (const { id } of started) {
      if (finals.has(id)) continue;
      const record = (await anyNode((url) => post(url, "check_execution_status", { execution_id: id }))).body as unknown as Record_;
      if (["completed", "failed", "cancelled", "timeout"].includes(record.status)) finals.set(id, record);
    }
    return finals.size === started.length ? true : undefined;
  }, 90_000, `every execution final (seed ${SEED})`);

  const ranTo = new Map<string, number>();
  for (const line of readFileSync(ledger, "utf8").split("\n")) {
    const [what, id, step] = line.split(" ");
    if (what === "end") ranTo.set(`${id} ${step}`, (ranTo.get(`${id} ${step}`) ?? 0) + 1);
  }
  const problems: string[] = [];
  for (const { id, workflow } of started) {
    const record = finals.get(id)!;
    const events = (await anyNode((url) => post(url, "watch_execution", { execution_id: id, after_seq: 0, wait: 0 }))).body["events"] as Event[];
    const seqs = events.map((e) => e.seq);
    if (seqs.some((seq, i) => seq !== i + 1)) problems.push(`${id}: events not gapless and unique: ${seqs.join(",")}`);
    if (events.filter((e) => ["execution.completed", "execution.failed", "execution.cancelled", "execution.timeout"].includes(e.type)).length !== 1) problems.push(`${id}: not exactly one final event (record ${record.status}; events ${events.map((e) => `${e.seq}:${e.type}${e.step === undefined ? "" : `:${e.step}`}`).join(" ")})`);
    if (workflow === "sturdy" && record.status !== "completed") problems.push(`${id} (sturdy) ended ${record.status}: ${JSON.stringify(record.error)}`);
    if (workflow === "fragile" && record.status !== "completed" && !(record.status === "failed" && /step '(first|far|last)'/.test(record.error?.message ?? ""))) problems.push(`${id} (fragile) ended ${record.status} without naming the interrupted step: ${JSON.stringify(record.error)}`);
    // A step recorded as completed never ran again: a second end only after an adoption that had not recorded it, or a retry.
    for (const step of ["first", "far", "last"]) {
      const ends = ranTo.get(`${id} ${step}`) ?? 0;
      if (ends <= 1) continue;
      const rerunAllowed = events.some((e) => (e.type === "execution.resumed" && !(e.data?.completed ?? []).includes(step)) || (e.type === "step.retrying" && e.step === step) || (e.type === "step.progress" && e.step === step && e.data?.kind === "replaced"));
      if (!rerunAllowed) problems.push(`${id}: step ${step} ran to its end ${ends} times, though recorded completed`);
    }
  }
  const counts = [...finals.values()].reduce<Record<string, number>>((acc, r) => ((acc[`${r.workflow_name} ${r.status}`] = (acc[`${r.workflow_name} ${r.status}`] ?? 0) + 1), acc), {});
  console.log(`chaos outcomes: ${JSON.stringify(counts)}`);
  if (problems.length > 0) {
    appendFileSync(join(tmpdir(), `wfx-chaos-problems-${SEED}.txt`), `${problems.join("\n")}\n`);
    everStarted.forEach(({ id, node }, i) => writeFileSync(join(tmpdir(), `wfx-chaos-${SEED}-${i}-${id}.log`), node.stderr()));
    console.log(`node logs: ${join(tmpdir(), `wfx-chaos-${SEED}-*.log`)}`);
  }
  assert.equal(problems.slice(0, 10), [], `seed ${SEED}: ${problems.length} problems`);
});

test.run();
