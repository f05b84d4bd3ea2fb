import { createHash } from "node:crypto";
import type { KV } from "@nats-io/kv";
import { AckedPublisher } from "./acked-publisher.js";
import type { StepOutcome } from "../engine/internal.js";
import type { Logger } from "../observability/index.js";
import { lazyBucket } from "./lazy-bucket.js";
import { retried } from "./retried.js";
import { STEP_OUTCOMES_BUCKET } from "./subjects.js";
import type { ClusterWire } from "./trust/cluster-wire.js";
import type { SealedStoreValues } from "./trust/sealed-store-values.js";

/** A supervisor that missed an end asks within seconds of NATS coming back; an hour covers any outage worth waiting out. */
const KEEP_MS = 3_600_000;
/** A put or a get must not hang on a NATS that went away. */
const KV_TIMEOUT_MS = 2000;
/** A put is tried this many times (backing off to a few seconds apart: about a minute and a half), then given up, loudly. */
const MAX_PUT_ATTEMPTS = 20;

/** KV keys allow few characters, and step ids are the author's: an attempt's key is a digest of its attempt key. */
function kvKeyOf(attemptKey: string): string {
  return `o.${createHash("sha256").update(attemptKey).digest("hex").slice(0, 40)}`;
}

/**
 * How the placed steps a node ran ended, kept in JetStream KV (signed and encrypted with the cluster key) beside the
 * node's memory: a supervisor whose report was lost, and whose step's node has since died or restarted, still finds
 * the outcome, and the step is not run again. Written after the end, off the reply path but in the same socket write as
 * the end (after it, at the end of the turn): a node that dies with NATS away before the put lands leaves its step as
 * lost as one that died running it.
 */
export class DurableOutcomes {
  readonly #values: SealedStoreValues;
  readonly #logger: Logger;
  readonly #pending = new Set<Promise<unknown>>();
  readonly #open: () => Promise<KV>;
  /** Puts go as plain JetStream publishes once the bucket is there, at the end of the turn (after the step's end), acked on one subscription. */
  readonly #puts: Promise<{ publisher: AckedPublisher; later: (send: () => void) => void }>;
  #closed = false;
  #ready: Promise<unknown> | undefined;

  constructor(wire: Promise<ClusterWire>, values: SealedStoreValues, replicas: number, logger: Logger) {
    this.#values = values;
    this.#logger = logger;
    const bucket = wire.then((w) => lazyBucket(w.nc, STEP_OUTCOMES_BUCKET, { timeoutMs: KV_TIMEOUT_MS, replicas, maxAgeMs: KEEP_MS }));
    bucket.catch(() => undefined);
    this.#open = () => bucket.then((open) => open());
    this.#puts = wire.then((w) => ({ publisher: new AckedPublisher(w.nc, KV_TIMEOUT_MS), later: (send) => w.turnEnd.later(send) }));
    this.#puts.catch(() => undefined);
  }

  /** Makes the bucket, once, ahead of the first outcome (a step started here); a failure is tried again by the next put. */
  ready(): void {
    this.#ready ??= this.#open().then(
      () => true,
      () => (this.#ready = undefined),
    );
  }

  /** Keeps an attempt's outcome, retried with backoff while NATS is away, given up after MAX_PUT_ATTEMPTS. */
  keep(attemptKey: string, outcome: StepOutcome): void {
    const key = kvKeyOf(attemptKey);
    const value = this.#values.secret(`${STEP_OUTCOMES_BUCKET}/${key}`, JSON.stringify(outcome));
    const subject = `$KV.${STEP_OUTCOMES_BUCKET}.${key}`;
    let attempts = 0;
    const put = async () => {
      const { publisher, later } = await this.#puts;
      await new Promise<unknown>((resolve, reject) => later(() => void publisher.publish(subject, value).then(resolve, reject)));
    };
    const write = retried(async () => (++attempts, await this.#open(), await put()), () => this.#closed || attempts >= MAX_PUT_ATTEMPTS, () => {}).catch((error: unknown) => {
      if (!this.#closed) this.#logger.error({ err: error, attempts }, "cannot keep a placed step's outcome in JetStream; a supervisor that missed its end will count the step lost");
    });
    this.#pending.add(write);
    void write.finally(() => this.#pending.delete(write));
  }

  /** The attempt's kept outcome; undefined when none is kept or the bucket cannot be read now. */
  async find(attemptKey: string): Promise<StepOutcome | undefined> {
    const key = kvKeyOf(attemptKey);
    try {
      const entry = await (await this.#open()).get(key);
      if (entry === null || entry.operation !== "PUT" || entry.value.length === 0) return undefined;
      return this.#values.secretOf<StepOutcome>(`${STEP_OUTCOMES_BUCKET}/${key}`, entry.value, "placed step outcome");
    } catch (error) {
      this.#logger.debug({ err: error }, "cannot read a placed step's kept outcome now");
      return undefined;
    }
  }

  /** Puts still on their way get until `graceMs` to land (a node shutting down keeps what it just ran); then none is tried again. */
  async close(graceMs: number): Promise<void> {
    await Promise.race([Promise.allSettled([...this.#pending]), new Promise((resolve) => setTimeout(resolve, graceMs).unref())]);
    this.#closed = true;
    (await this.#puts.catch(() => undefined))?.publisher.close();
  }
}
