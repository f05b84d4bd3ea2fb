import { test } from "uvu";
import * as assert from "uvu/assert";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { SimulatedClock } from "../src/actors/index.js";
import { adjustTokens, bucketLimitOf, fullLevel, localModelRateLimiter, providerPauseMs, refill, resetDurationMs, resolveAgentOptions, shareOf, take, type BucketLevel, type RateLimitWait } from "../src/agents/index.js";
import { loadAndValidate, loadNodeProfile, ModelLimitsSchema, type ModelLimit } from "../src/config/index.js";
import { MemoryExecutionStore, Runtime, type ExecutionEvent, type WorkflowSource } from "../src/engine/index.js";
import { seeded } from "./helpers/seeded.js";
import { startModelServer, type ChatBody, type ModelTurn } from "./helpers/model-server.js";

// burst_s 12 less the 2 s send margin: buckets holding 10 s of the limit, the figures below.
const limit = (l: Partial<ModelLimit> = {}): ModelLimit => ({ endpoint: "http://models.test/v1", burst_s: 12, requests_per_minute: 60, tokens_per_minute: 6000, ...l });

test("bucket math - capacities are burst_s seconds of the limit less the send margin, rates per millisecond", () => {
  const b = bucketLimitOf(limit());
  assert.equal(b, { requestsPerMs: 60 / 60_000, requestCapacity: 10, tokensPerMs: 6000 / 60_000, tokenCapacity: 1000 });
  assert.equal(bucketLimitOf(limit({ burst_s: 10 })).requestCapacity, 8, "the default burst_s, 10, less the 2 s margin");
  assert.is(bucketLimitOf(limit({ requests_per_minute: 3, tokens_per_minute: undefined })).requestCapacity, 1, "never under one call");
  assert.is(bucketLimitOf(limit({ tokens_per_minute: undefined })).tokensPerMs, undefined);
});

test("bucket math - a full bucket lets its capacity through at once, then one request per 1/rate", () => {
  const b = bucketLimitOf(limit());
  let level = fullLevel(b, 0);
  for (let i = 0; i < 10; i++) {
    const r = take(level, b, { requests: 1, tokens: 10 }, 0);
    assert.ok("taken" in r, `call ${i + 1} of the burst`);
    level = r.taken;
  }
  assert.equal(take(level, b, { requests: 1, tokens: 10 }, 0), { waitMs: 1000, reason: "requests" });
  assert.ok("taken" in take(level, b, { requests: 1, tokens: 10 }, 1000));
});

test("bucket math - a call above the token capacity goes once the bucket is full and leaves it in debt", () => {
  const b = bucketLimitOf(limit({ requests_per_minute: undefined }));
  const r = take(fullLevel(b, 0), b, { requests: 1, tokens: 2500 }, 0);
  assert.ok("taken" in r);
  const after = (r as { taken: BucketLevel }).taken;
  assert.is(after.tokens, -1500);
  // The debt is paid back at the rate before the bucket is full again: 2,500 tokens of 100/s.
  assert.equal(take(after, b, { requests: 1, tokens: 2500 }, 0), { waitMs: 25_000, reason: "tokens" });
  assert.ok("taken" in take(after, b, { requests: 1, tokens: 2500 }, 25_000));
});

test("bucket math - refill stops at capacity, and a clock behind the last writer refills nothing", () => {
  const b = bucketLimitOf(limit());
  assert.equal(refill({ requests: 0, tokens: 0, at: 0 }, b, 60_000), { requests: 10, tokens: 1000, at: 60_000 });
  assert.equal(refill({ requests: 2, tokens: 5, at: 5000 }, b, 4000), { requests: 2, tokens: 5, at: 5000 });
  assert.equal(adjustTokens({ requests: 0, tokens: 990, at: 0 }, b, -500, 0).tokens, 1000, "a refund never fills past capacity");
  assert.equal(adjustTokens({ requests: 0, tokens: 100, at: 0 }, b, 300, 0).tokens, -200, "a call that cost more owes it");
  assert.equal(shareOf(b, 4), { requestsPerMs: b.requestsPerMs! / 4, requestCapacity: 2.5, tokensPerMs: b.tokensPerMs! / 4, tokenCapacity: 250 });
});

test("bucket math - a greedy caller never gets more than capacity + rate x window through, in any window", () => {
  const b = bucketLimitOf(limit());
  const random = seeded(7);
  const admitted: { at: number; tokens: number }[] = [];
  let level = fullLevel(b, 0);
  let now = 0;
  while (now < 600_000) {
    const tokens = 20 + Math.floor(random() * 180);
    const r = take(level, b, { requests: 1, tokens }, now);
    if ("taken" in r) {
      level = r.taken;
      admitted.push({ at: now, tokens });
      now += Math.floor(random() * 300);
    } else now += r.waitMs;
  }
  for (const windowMs of [1000, 10_000, 60_000]) {
    for (const first of admitted) {
      const inside = admitted.filter((a) => a.at >= first.at && a.at < first.at + windowMs);
      assert.ok(inside.length <= 10 + windowMs / 1000, `${inside.length} requests in ${windowMs} ms from ${first.at}`);
      assert.ok(inside.reduce((s, a) => s + a.tokens, 0) <= 1000 + windowMs / 10, `tokens in ${windowMs} ms from ${first.at}`);
    }
  }
});

test("model limits - the profile validates them and reports what is wrong", () => {
  assert.ok(ModelLimitsSchema.safeParse([{ endpoint: "http://a/v1", requests_per_minute: 60 }]).success);
  const bad = ModelLimitsSchema.safeParse([{ endpoint: "ftp://a", requests_per_minute: 60 }, { endpoint: "http://a/v1" }, { endpoint: "http://b/v1", tokens_per_minute: -1 }]);
  assert.ok(!bad.success);
  const twice = ModelLimitsSchema.safeParse([{ endpoint: "http://a/v1/", requests_per_minute: 1 }, { endpoint: "http://a/v1", requests_per_minute: 2 }]);
  assert.match(JSON.stringify(twice.error?.issues), /limited twice/);
  const profile = loadNodeProfile(undefined, { WFX_MODEL_LIMITS: '[{"endpoint":"http://a/v1","model":"m","tokens_per_minute":6000}]' });
  assert.equal(profile.model_limits, [{ endpoint: "http://a/v1", model: "m", tokens_per_minute: 6000, burst_s: 10 }]);
  try {
    loadNodeProfile(undefined, { WFX_MODEL_LIMITS: '[{"endpoint":"http://a/v1"}]' });
    assert.unreachable("a limit without a rate");
  } catch (error) {
    assert.match((error as Error).message, /WFX_MODEL_LIMITS.*requests_per_minute, tokens_per_minute or both/s);
  }
});

test("provider pause - retry-after first, else the reset of the x-ratelimit counter that reached 0", () => {
  assert.is(providerPauseMs(new Headers({ "retry-after": "2", "x-ratelimit-remaining-requests": "0", "x-ratelimit-reset-requests": "9s" })), 2000);
  assert.is(providerPauseMs(new Headers({ "x-ratelimit-remaining-requests": "0", "x-ratelimit-reset-requests": "1m2.5s", "x-ratelimit-remaining-tokens": "10", "x-ratelimit-reset-tokens": "9s" })), 62_500);
  assert.is(providerPauseMs(new Headers({ "x-ratelimit-remaining-tokens": "0", "x-ratelimit-reset-tokens": "20ms" })), 20);
  assert.is(providerPauseMs(new Headers({ "x-ratelimit-remaining-requests": "5", "x-ratelimit-reset-requests": "1s" })), undefined);
  assert.is(resetDurationMs("soon"), undefined);
});

test("local limiter - waits its turn on a simulated clock, tells why once, and a cancelled wait leaves the line", async () => {
  const clock = new SimulatedClock(0);
  const limiter = localModelRateLimiter([limit({ burst_s: 1, tokens_per_minute: undefined })], clock);
  const request = (signal: AbortSignal) => ({ endpoint: "http://models.test/v1/", model: "any", estimatedTokens: 10, signal });
  const first = await limiter.reserve({ ...request(new AbortController().signal) });
  assert.is(first.waitedMs, 0);
  const waits: RateLimitWait[] = [];
  const cancel = new AbortController();
  const second = limiter.reserve({ ...request(cancel.signal), onWait: (w) => waits.push(w) });
  let thirdDone = false;
  const third = limiter.reserve({ ...request(new AbortController().signal) }).then((r) => ((thirdDone = true), r));
  await new Promise((resolve) => setImmediate(resolve));
  assert.equal(waits, [{ endpoint: "http://models.test/v1/", model: "any", waitMs: 1000, reason: "requests" }]);
  cancel.abort();
  try {
    await second;
    assert.unreachable("cancelled");
  } catch (error) {
    assert.is((error as { code?: string }).code, "WFX_CANCELLED");
  }
  await new Promise((resolve) => setImmediate(resolve));
  assert.is(thirdDone, false, "one request a second: the third waits for the refill");
  clock.advance(1000);
  assert.is((await third).waitedMs, 1000);
  assert.ok((limiter.waitedSeconds().get("http://models.test/v1") ?? 0) >= 1);
});

test("local limiter - an estimate above the token capacity takes the full bucket, not a debt; the call's real tokens are charged after", async () => {
  const clock = new SimulatedClock(0);
  const limiter = localModelRateLimiter([limit({ requests_per_minute: undefined })], clock);
  const signal = new AbortController().signal;
  const huge = await limiter.reserve({ endpoint: "http://models.test/v1", model: "m", estimatedTokens: 1_000_000, signal });
  huge.settle(100);
  // It used 100 of the 1,000 the bucket holds: the next call of 900 goes at once.
  assert.is((await limiter.reserve({ endpoint: "http://models.test/v1", model: "m", estimatedTokens: 900, signal })).waitedMs, 0);
});

test("local limiter - a provider's pause holds every call to that endpoint, limited or not", async () => {
  const clock = new SimulatedClock(0);
  const limiter = localModelRateLimiter([], clock);
  limiter.penalise("http://other.test/v1", 5000);
  const waits: RateLimitWait[] = [];
  const held = limiter.reserve({ endpoint: "http://other.test/v1", model: "m", estimatedTokens: 1, signal: new AbortController().signal, onWait: (w) => waits.push(w) });
  const elsewhere = await limiter.reserve({ endpoint: "http://another.test/v1", model: "m", estimatedTokens: 1, signal: new AbortController().signal });
  assert.is(elsewhere.waitedMs, 0);
  await new Promise((resolve) => setImmediate(resolve));
  assert.is(waits[0]?.reason, "provider");
  clock.advance(5000);
  assert.is((await held).waitedMs, 5000);
  assert.equal([...limiter.waitedSeconds()], [["other", 5]]);
});

const WORKFLOW = `
agents:
  - id: a1
    max_tokens: 20
  - id: a2
    max_tokens: 20
  - id: a3
    max_tokens: 20
  - id: a4
    max_tokens: 20
workflows:
  four:
    steps:
      - { agent: a1, depends_on: [] }
      - { agent: a2, depends_on: [] }
      - { agent: a3, depends_on: [] }
      - { agent: a4, depends_on: [] }
`;

const arrivals: number[] = [];
let refuseNext = 0;
function script(_body: ChatBody): ModelTurn {
  arrivals.push(Date.now());
  if (refuseNext > 0) {
    refuseNext -= 1;
    return { status: 429, headers: { "retry-after": "1" } };
  }
  return { content: "ok", usage: { prompt_tokens: 10, completion_tokens: 5 } };
}

const server = await startModelServer(script);
const dir = mkdtempSync(join(tmpdir(), "wfx-rate-limits-"));
writeFileSync(join(dir, "flow.yaml"), WORKFLOW);
const loaded = await loadAndValidate(join(dir, "flow.yaml"), { env: server.env });
const source: WorkflowSource = { file: loaded.file!, path: join(dir, "flow.yaml") };

test.after(async () => {
  await server.close();
  rmSync(dir, { recursive: true, force: true });
});

async function runFour(limits: readonly ModelLimit[], mode: "sync" | "isolated" = "sync"): Promise<{ record: Awaited<ReturnType<Runtime["execute"]>>; events: ExecutionEvent[]; seen: number[] }> {
  const runtime = new Runtime({ store: new MemoryExecutionStore(), nodeId: "limits", env: { ...server.env }, agents: resolveAgentOptions({ backoffMs: 10 }), modelRateLimiter: localModelRateLimiter(limits) });
  arrivals.length = 0;
  const events: ExecutionEvent[] = [];
  try {
    const record = await runtime.start({ source, workflowName: "four", mode, onEvent: (e) => events.push(e) }).done;
    return { record, events, seen: [...arrivals] };
  } finally {
    await runtime.close();
  }
}

for (const mode of ["sync", "isolated"] as const) test(`single node - four agent steps (${mode}) under 60 requests/min with a 1 s burst go one a second, and say they waited`, async () => {
  const { record, events, seen } = await runFour([{ endpoint: `${server.baseURL}/`, requests_per_minute: 60, burst_s: 1 }], mode);
  assert.is(record.status, "completed", JSON.stringify([record.error, events.map((e) => [e.type, e.step, e.data])]));
  assert.is(seen.length, 4);
  // Capacity 1 plus one a second: at most 2 requests in any second, whatever the delivery jitter.
  for (const at of seen) assert.ok(seen.filter((t) => t >= at && t < at + 1000).length <= 2, `requests ${JSON.stringify(seen.map((t) => t - seen[0]!))}`);
  const limited = events.filter((e) => e.type === "step.progress" && (e.data as { kind?: string }).kind === "rate_limited");
  // Four calls at once, one a second: calls wait (how many depends on when each step gets to reserve on a loaded
  // machine; the unit tests above pin the turn order on a simulated clock), and each that waited says so once.
  const said = JSON.stringify(limited.map((e) => [e.step, e.data]));
  assert.ok(limited.length >= 1 && limited.length <= 3, `some calls waited: ${said}`);
  assert.is(new Set(limited.map((e) => e.step)).size, limited.length, `each waiting call said so once: ${said}`);
  for (const e of limited) assert.equal([(e.data as { reason: string }).reason, (e.data as { wait_ms: number }).wait_ms > 0], ["requests", true], said);
  const steps = record.steps.map((s) => s.usage?.rate_limited_ms ?? 0);
  assert.ok(steps.filter((ms) => ms > 0).length <= limited.length, `usage counts only waits that were said: ${JSON.stringify(steps)}`);
  assert.is(record.usage?.rate_limited_ms, steps.reduce((a, b) => Math.round((a + b) * 1000) / 1000, 0), "the execution's total is its steps' sum");
});

test("single node - a 429 with Retry-After pauses every call to the endpoint, and the refused call is retried, not failed", async () => {
  refuseNext = 1;
  const { record, events, seen } = await runFour([]);
  assert.is(record.status, "completed", JSON.stringify(record.error));
  assert.is(seen.length, 5, "four calls and the retry of the refused one");
  const refusedAt = seen[0]!;
  // Calls already sent when the 429 came are the provider's business; every call after it waited out its second.
  const after = seen.filter((t, i) => i > 0 && t >= refusedAt + 50);
  assert.ok(after.length >= 1);
  for (const t of after) assert.ok(t >= refusedAt + 1000, `a call ${t - refusedAt} ms after the 429`);
  const kinds = events.filter((e) => e.type === "step.progress").map((e) => (e.data as { kind: string; reason?: string }).kind + ((e.data as { reason?: string }).reason ?? ""));
  assert.ok(kinds.includes("model_retry"), kinds.join());
  assert.ok(kinds.includes("rate_limitedprovider"), kinds.join());
  assert.ok((record.usage?.rate_limited_ms ?? 0) >= 900);
});

test.run();
