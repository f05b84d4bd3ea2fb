// Model rate limit benchmark: what one reservation costs through the cluster's shared buckets (JetStream KV,
// compare-and-set), against a raw NATS request-reply and a raw KV get measured in the same run.
//   npm run bench:rate-limit   (= tsc -p . && node dist/bench/rate-limit.js)
import { connect } from "@nats-io/transport-node";
import { jetstream } from "@nats-io/jetstream";
import { Kvm } from "@nats-io/kv";
import { BucketRateLimiter, localModelRateLimiter, type ModelRateLimiter } from "../src/agents/index.js";
import { ClusterRejections, sealFor } from "../src/cluster/index.js";
import { ClusterRateBuckets } from "../src/cluster/cluster-rate-buckets.js";
import { SharedBuckets } from "../src/cluster/shared-buckets.js";
import { SealedStoreValues } from "../src/cluster/trust/sealed-store-values.js";
import { silentLogger } from "../src/observability/index.js";
import { testTrust, testWire } from "../test/helpers/cluster-key.js";
import { startNatsServer } from "../test/helpers/nats-server.js";
import { readyChild } from "./lib/ready-child.js";
import { fmt, median } from "./lib/stats.js";
import { SummaryTable } from "./lib/summary-table.js";

const ROUNDS = 2000;
const WARMUP = 300;
const ENDPOINT = "http://models.bench/v1";
// Limits far above what the bench asks: every reservation is granted, so what is timed is the bookkeeping alone.
const LIMITS = [{ endpoint: ENDPOINT, requests_per_minute: 1e9, tokens_per_minute: 1e12, burst_s: 60 }];

const table = new SummaryTable();
const log = (line = ""): void => console.log(line);
const benchStart = performance.now();
const p = (values: number[], q: number): number => [...values].sort((a, b) => a - b)[Math.min(values.length - 1, Math.ceil(q * values.length) - 1)]!;

async function timed(rounds: number, once: (i: number) => Promise<unknown>): Promise<number[]> {
  for (let i = 0; i < WARMUP; i++) await once(i);
  const out: number[] = [];
  for (let i = 0; i < rounds; i++) {
    const t0 = performance.now();
    await once(i);
    out.push((performance.now() - t0) * 1000);
  }
  return out;
}

log("Workflow Executor model rate limit benchmark");
log("one nats-server (its own port and store dir); the raw request's responder in a child process; targets printed, never asserted");
log();

const nats = await startNatsServer();
const echo = await readyChild("nats-echo-child", [nats.url, "bench.echo"]);
const connections = [await connect({ servers: nats.url }), await connect({ servers: nats.url })];
try {
  const [a, b] = connections as [Awaited<ReturnType<typeof connect>>, Awaited<ReturnType<typeof connect>>];
  const payload = new Uint8Array(64);
  const raw = await timed(ROUNDS, () => a.request("bench.echo", payload, { timeout: 5000 }));

  const kv = await new Kvm(jetstream(a)).create("bench-kv", { history: 1 });
  await kv.put("k", new TextEncoder().encode(JSON.stringify({ requests: 1, tokens: 1, at: Date.now() })));
  const kvGet = await timed(ROUNDS, () => kv.get("k"));

  const seal = sealFor(testTrust());
  const values = new SealedStoreValues(seal, new ClusterRejections(silentLogger()));
  const limiterOn = (nc: typeof a): ModelRateLimiter => {
    const shared = Promise.resolve({ buckets: new SharedBuckets(nc, values, 1), wire: testWire(nc, seal) });
    return new BucketRateLimiter(LIMITS, new ClusterRateBuckets({ shared, peers: () => 2, logger: silentLogger() }));
  };
  const reserve = (limiter: ModelRateLimiter) => limiter.reserve({ endpoint: ENDPOINT, model: "m", estimatedTokens: 200, signal: new AbortController().signal });
  const alone = limiterOn(a);
  const soloUs = await timed(ROUNDS, () => reserve(alone));
  // Two nodes taking turns on one bucket: every reservation finds the other's write and reads again before its own.
  const other = limiterOn(b);
  const pairUs = await timed(ROUNDS, (i) => reserve(i % 2 === 0 ? alone : other));
  const local = localModelRateLimiter(LIMITS);
  const localUs = await timed(ROUNDS, () => reserve(local));

  const rawP50 = median(raw);
  const kvP50 = median(kvGet);
  log(`raw NATS request-reply (child process responder): p50 ${fmt(rawP50)} µs, p99 ${fmt(p(raw, 0.99))} µs`);
  log(`raw KV get: p50 ${fmt(kvP50)} µs, p99 ${fmt(p(kvGet, 0.99))} µs`);
  log(`reservation, one node (its own last write known: one compare-and-set): p50 ${fmt(median(soloUs))} µs, p99 ${fmt(p(soloUs, 0.99))} µs`);
  log(`reservation, two nodes alternating on one bucket (read + compare-and-set, some lost): p50 ${fmt(median(pairUs))} µs, p99 ${fmt(p(pairUs, 0.99))} µs`);
  log(`reservation, standalone node (in-process bucket): p50 ${fmt(median(localUs))} µs`);
  table.row("cluster reservation, one node / raw NATS request, p50", `${fmt(median(soloUs) / rawP50)}x`, "<= 3x", median(soloUs) / rawP50 <= 3);
  table.row("cluster reservation, one node / raw KV get, p50", `${fmt(median(soloUs) / kvP50)}x`);
  table.row("cluster reservation, two nodes alternating / raw NATS request, p50", `${fmt(median(pairUs) / rawP50)}x`, "<= 5x", median(pairUs) / rawP50 <= 5);
  table.row("cluster reservation, two nodes alternating / raw KV get, p50", `${fmt(median(pairUs) / kvP50)}x`);
  table.row("  raw NATS request-reply, p50", `${fmt(rawP50)} µs`);
  table.row("  raw KV get, p50", `${fmt(kvP50)} µs`);
  table.row("standalone reservation (in-process bucket), p50", `${fmt(median(localUs))} µs`, "<= 20 µs", median(localUs) <= 20);
  for (const limiter of [alone, other, local]) limiter.close();
} finally {
  for (const nc of connections) await nc.close();
  await echo.stop();
  await nats.close();
}
table.print(log, benchStart);
