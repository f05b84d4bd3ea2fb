// Child-process side of the node-against-serve comparison: keep-alive node:http callers of `execute_workflow` (sync)
// against two systems, alternating, so the client's own cost sits in another process. Prints the samples as JSON.
//   node dist/bench/lib/http-sync-callers.js '<json: { urls, workflow, rounds, load }>'
import { keepAliveCaller } from "./keep-alive-caller.js";
import { roundTripsInBlocks, type TimedPath } from "./round-trips.js";

export interface CallersPlan {
  /** Each system's `execute_workflow` URL, by name. */
  urls: Record<string, string>;
  workflow: string;
  rounds: { warmup: number; blocks: number; perBlock: number };
  /** Calls in flight at once, per system: untimed `warmupMs` each, then `rounds` rounds of `roundMs`, the systems taking turns. */
  load: { concurrency: number; warmupMs: number; roundMs: number; rounds: number };
}

export interface CallersResult {
  /** One caller's round trips (ms), by system. */
  latency: Record<string, number[]>;
  /** Executions per second in each loaded round, and every loaded call's round trip (ms), by system. */
  perSecond: Record<string, number[]>;
  loadedLatency: Record<string, number[]>;
}

function syncCall(url: string, workflow: string): () => Promise<void> {
  const post = keepAliveCaller(url, { "content-type": "application/json" });
  const body = JSON.stringify({ workflow_name: workflow, input_data: { value: 1 } });
  return async () => {
    const reply = await post(body);
    const status = reply.status === 200 ? (JSON.parse(reply.text) as { status?: string }).status : undefined;
    if (status !== "completed") throw new Error(`${url}: HTTP ${reply.status}, ${reply.text.slice(0, 300)}`);
  };
}

/** `concurrency` callers, each on its own connection, calling back to back for `ms`; returns each call's round trip. */
async function loaded(calls: (() => Promise<void>)[], ms: number): Promise<{ perSecond: number; samples: number[] }> {
  const samples: number[] = [];
  const start = performance.now();
  const end = start + ms;
  await Promise.all(
    calls.map(async (call) => {
      while (performance.now() < end) {
        const t = performance.now();
        await call();
        samples.push(performance.now() - t);
      }
    }),
  );
  return { perSecond: (samples.length * 1000) / (performance.now() - start), samples };
}

async function run(plan: CallersPlan): Promise<CallersResult> {
  const names = Object.keys(plan.urls);
  const paths: TimedPath[] = names.map((name) => ({ name, call: syncCall(plan.urls[name]!, plan.workflow) }));
  const samples = await roundTripsInBlocks(paths, plan.rounds);
  const pools = Object.fromEntries(names.map((name) => [name, Array.from({ length: plan.load.concurrency }, () => syncCall(plan.urls[name]!, plan.workflow))]));
  for (const name of names) await loaded(pools[name]!, plan.load.warmupMs);
  const perSecond: Record<string, number[]> = Object.fromEntries(names.map((name) => [name, []]));
  const loadedLatency: Record<string, number[]> = Object.fromEntries(names.map((name) => [name, []]));
  for (let round = 0; round < plan.load.rounds; round++) {
    // Each round in the other order too, so neither system always follows the other's deferred work.
    for (const name of round % 2 === 0 ? names : [...names].reverse()) {
      const r = await loaded(pools[name]!, plan.load.roundMs);
      perSecond[name]!.push(r.perSecond);
      loadedLatency[name]!.push(...r.samples);
    }
  }
  return { latency: Object.fromEntries(names.map((name, i) => [name, samples[i]!])), perSecond, loadedLatency };
}

process.stdout.write(JSON.stringify(await run(JSON.parse(process.argv[2]!) as CallersPlan)));
