import { test } from "uvu";
import * as assert from "uvu/assert";
import { connect, type NatsConnection } from "@nats-io/transport-node";
import { BucketRateLimiter, limitKey, type ModelRateLimiter, type RateLimitWait } from "../src/agents/index.js";
import type { ModelLimit } from "../src/config/index.js";
import { ClusterRejections, sealFor } from "../src/cluster/index.js";
import { ClusterRateBuckets } from "../src/cluster/cluster-rate-buckets.js";
import { SharedBuckets, sharedKeyOf } from "../src/cluster/shared-buckets.js";
import { SealedStoreValues } from "../src/cluster/trust/sealed-store-values.js";
import { silentLogger, type Logger } from "../src/observability/index.js";
import { testTrust, testWire } from "./helpers/cluster-key.js";
import { eventually } from "./helpers/engine-fixture.js";
import { startNatsServer } from "./helpers/nats-server.js";
import { Kvm } from "@nats-io/kv";
import { jetstream } from "@nats-io/jetstream";

// Two limiters on their own NATS connections stand for two nodes sharing one limit through a real nats-server.
const ENDPOINT = "http://models.shared/v1";
const LIMITS: ModelLimit[] = [{ endpoint: ENDPOINT, requests_per_minute: 60, burst_s: 4 }];
const nats = await startNatsServer();
const connections: NatsConnection[] = [];
const seal = sealFor(testTrust());
const values = new SealedStoreValues(seal, new ClusterRejections(silentLogger()));

/** What the limiters logged: a warning means a node went over to its local share. */
const warnings: string[] = [];
const logger = Object.assign(Object.create(silentLogger()) as Logger, { warn: (_fields: unknown, message: string) => void warnings.push(message) });

async function node(): Promise<ModelRateLimiter> {
  const nc = await connect({ servers: nats.url, maxReconnectAttempts: -1, reconnectTimeWait: 100 });
  connections.push(nc);
  const shared = Promise.resolve({ buckets: new SharedBuckets(nc, values, 1), wire: testWire(nc, seal) });
  return new BucketRateLimiter(LIMITS, new ClusterRateBuckets({ shared, peers: () => 2, logger }));
}

const a = await node();
const b = await node();

test.after(async () => {
  a.close();
  b.close();
  for (const nc of connections) await nc.close().catch(() => undefined);
  await nats.close();
});

function reserve(limiter: ModelRateLimiter, endpoint = ENDPOINT): Promise<{ waitedMs: number; waits: RateLimitWait[] }> {
  const waits: RateLimitWait[] = [];
  return limiter.reserve({ endpoint, model: "m", estimatedTokens: 10, signal: new AbortController().signal, onWait: (w) => waits.push(w) }).then((r) => ({ waitedMs: r.waitedMs, waits }));
}

async function revisionOfBucket(): Promise<number> {
  const kv = await new Kvm(jetstream(connections[0]!)).open("wfx-rate-limits");
  return (await kv.get(sharedKeyOf(limitKey(ENDPOINT, undefined))))?.revision ?? 0;
}

test("shared buckets - what one node spent, the other does not get: its call waits for the refill", async () => {
  // The bucket holds 2 requests (4 s of 60/min less the 2 s send margin): node a takes both, so node b must wait for the next one.
  assert.is((await reserve(a)).waitedMs, 0);
  assert.is((await reserve(a)).waitedMs, 0);
  const third = await reserve(b);
  assert.is(third.waits[0]?.reason, "requests", "node b waited on node a's spending");
  assert.ok(third.waitedMs > 0);
  assert.equal(warnings, [], "both nodes took from the shared bucket, never from a local share");
});

test("shared buckets - a provider's pause told to one node holds the other's calls too", async () => {
  const unlimited = "http://models.unlimited/v1";
  a.penalise(unlimited, 60_000);
  // The pause travels over NATS: node b hears it a moment later, and from then on waits.
  await eventually(async () => {
    const cancel = new AbortController();
    const waits: RateLimitWait[] = [];
    const call = b.reserve({ endpoint: unlimited, model: "m", estimatedTokens: 1, signal: cancel.signal, onWait: (w) => waits.push(w) });
    await new Promise((resolve) => setTimeout(resolve, 20));
    cancel.abort();
    await call.catch(() => undefined);
    return waits[0]?.reason === "provider" ? true : undefined;
  }, 5000, "node b pausing for the provider");
});

test("shared buckets - with nats-server down a node goes on at its 1/n share, started empty, and returns to the shared bucket once it is back", async () => {
  const before = await revisionOfBucket();
  await nats.stop("SIGKILL");
  // Not unlimited: the local share (30/min, capacity 1, empty at first) makes the call wait.
  const during = await reserve(a);
  assert.is(during.waits[0]?.reason, "requests");
  assert.is(warnings.length, 1, "node a said it went over to its share");
  await nats.start();
  // Back: a reservation writes to the shared bucket again, charging what the node spent alone.
  await eventually(async () => {
    await reserve(a);
    return (await revisionOfBucket().catch(() => 0)) > before ? true : undefined;
  }, 20_000, "a write to the shared bucket after the restart");
});

test.run();
