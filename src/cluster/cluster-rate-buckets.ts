import { systemClock, type Clock } from "../actors/index.js";
import { adjustTokens, emptyLevel, LocalBuckets, shareOf, take, type BucketCost, type BucketLevel, type BucketLimit, type BucketStore, type BucketWait } from "../agents/index.js";
import type { Logger } from "../observability/index.js";
import { decodeJson, encodeJson } from "./codec.js";
import { isWrongLastSequence } from "./conditional-writes.js";
import { sharedKeyOf, type SharedBuckets } from "./shared-buckets.js";
import { SUBJECTS } from "./subjects.js";
import type { ClusterWire } from "./trust/cluster-wire.js";

/** After the shared buckets failed, how long the node keeps to its local share before it tries them again. */
const RETRY_SHARED_AFTER_MS = 1000;
/** Adjustments (a call's real tokens) wait this long for a reservation to carry them before they are written alone. */
const FLUSH_AFTER_MS = 200;
/** How often a node that has not reached NATS yet looks again, meanwhile letting no call through. */
const UNREACHED_RETRY_MS = 250;
/** Compare-and-set rounds lost to other nodes before this reservation lets others go first. */
const MAX_ROUNDS = 8;

/** What this node knows of one shared bucket, and what it still has to write there. */
interface KeyState {
  shared: { level: BucketLevel; revision: number } | undefined;
  /** Tokens more (negative: fewer) than reserved, not yet written to the shared bucket. */
  pendingTokens: number;
  /** What the node spent from its local share while the shared bucket was away: charged to it on return. */
  owed: BucketCost;
  flush: NodeJS.Timeout | undefined;
}

export interface ClusterRateBucketsDeps {
  /** Resolves once NATS is reached; never, for a node that never reaches it. */
  shared: Promise<{ buckets: SharedBuckets; wire: ClusterWire }>;
  /** The nodes that are up (this one included): while the shared buckets are away each node takes 1/n. */
  peers: () => number;
  logger: Logger;
  clock?: Clock;
}

/**
 * A cluster's buckets: one per limit, in JetStream KV, shared by every node through compare-and-set. When the KV
 * cannot be reached (nats-server restarting, this node cut off) the node takes 1/n of each limit locally, starting
 * empty, and charges what it spent to the shared bucket once it is back; it never goes unlimited.
 */
export class ClusterRateBuckets implements BucketStore {
  readonly #deps: ClusterRateBucketsDeps;
  readonly #clock: Clock;
  readonly #states = new Map<string, KeyState>();
  readonly #local: LocalBuckets;
  readonly #turns = new Map<string, Promise<unknown>>();
  #shared: { buckets: SharedBuckets; wire: ClusterWire } | undefined;
  #awayUntil = 0;
  /** False from the first failed shared write to the next one that succeeds: the node is on its local share. */
  #reachable = true;
  /** The nodes up when the shared buckets were last reached; undefined before that. */
  #peers: number | undefined;
  #listener: ((endpoint: string, untilMs: number) => void) | undefined;
  #closed = false;

  constructor(deps: ClusterRateBucketsDeps) {
    this.#deps = deps;
    this.#clock = deps.clock ?? systemClock;
    this.#local = new LocalBuckets(this.#clock, (_limit, now) => emptyLevel(now));
    void deps.shared.then((shared) => {
      this.#shared = shared;
      shared.wire.subscribe(SUBJECTS.modelPause, (message) => {
        const pause = decodeJson<{ endpoint?: unknown; until?: unknown }>(message.body);
        if (typeof pause?.endpoint === "string" && typeof pause.until === "number") this.#listener?.(pause.endpoint, pause.until);
      });
    });
  }

  async take(key: string, limit: BucketLimit, cost: BucketCost): Promise<"taken" | BucketWait> {
    // Until the shared buckets were reached once, the node knows no n to take 1/n of: it waits for them.
    if (this.#peers === undefined && this.#shared === undefined) return { waitMs: UNREACHED_RETRY_MS, reason: "requests" };
    if (this.#shared === undefined || this.#clock.now() < this.#awayUntil) return this.#takeShare(key, limit, cost);
    try {
      return await this.#inTurn(key, () => this.#write(key, limit, cost));
    } catch (error) {
      this.#away(error);
      return this.#takeShare(key, limit, cost);
    }
  }

  adjust(key: string, limit: BucketLimit, tokens: number): void {
    const state = this.#state(key);
    state.pendingTokens += tokens;
    if (!this.#reachable) this.#local.adjust(key, shareOf(limit, this.#sharers()), tokens);
    state.flush ??= setTimeout(() => {
      state.flush = undefined;
      if (this.#closed || this.#shared === undefined || this.#clock.now() < this.#awayUntil || state.pendingTokens === 0) return;
      this.#inTurn(key, () => this.#write(key, limit, undefined)).catch((error: unknown) => this.#away(error));
    }, FLUSH_AFTER_MS).unref();
  }

  announcePenalty(endpoint: string, untilMs: number): void {
    this.#shared?.wire.publish(SUBJECTS.modelPause, encodeJson({ endpoint, until: untilMs }));
  }

  onPenalty(listener: (endpoint: string, untilMs: number) => void): void {
    this.#listener = listener;
  }

  close(): void {
    this.#closed = true;
    for (const state of this.#states.values()) clearTimeout(state.flush);
  }

  /**
   * One compare-and-set on the shared bucket: takes `cost` (undefined: only writes what is pending) together with the
   * node's pending adjustments and what it owes; a lost race reads the bucket again. A wait is only answered from a
   * fresh read, so a stale copy never makes the node wait longer than it must.
   */
  async #write(key: string, limit: BucketLimit, cost: BucketCost | undefined): Promise<"taken" | BucketWait> {
    const state = this.#state(key);
    const where = sharedKeyOf(key);
    const buckets = this.#shared!.buckets;
    for (let round = 0; round < MAX_ROUNDS; round++) {
      const fresh = state.shared === undefined;
      const now = this.#clock.now();
      const known = state.shared ?? (state.shared = await buckets.read(where, limit, now));
      const owed = { ...known.level, requests: known.level.requests - state.owed.requests, tokens: known.level.tokens - state.owed.tokens };
      const level = adjustTokens(owed, limit, state.pendingTokens, now);
      const result = take(level, limit, cost ?? { requests: 0, tokens: 0 }, now);
      if (!("taken" in result) && cost !== undefined) {
        if (fresh) return result;
        state.shared = undefined;
        continue;
      }
      const next = "taken" in result ? result.taken : level;
      try {
        const revision = await buckets.write(where, next, known.revision);
        state.shared = { level: next, revision };
        state.pendingTokens = 0;
        state.owed = { requests: 0, tokens: 0 };
        this.#peers = Math.max(1, this.#deps.peers());
        this.#reachable = true;
        return "taken";
      } catch (error) {
        if (!isWrongLastSequence(error)) throw error;
        state.shared = undefined;
      }
    }
    return { waitMs: 5 + Math.floor(Math.random() * 20), reason: "requests" };
  }

  /** The node's own share while the shared buckets are away: 1/n of the limit, started empty. */
  #takeShare(key: string, limit: BucketLimit, cost: BucketCost): "taken" | BucketWait {
    const result = this.#local.takeNow(key, shareOf(limit, this.#sharers()), cost);
    if (result === "taken") {
      const state = this.#state(key);
      state.owed = { requests: state.owed.requests + cost.requests, tokens: state.owed.tokens + cost.tokens };
    }
    return result;
  }

  /** How many nodes share the limit while the shared buckets are away: those up when last reached, or the registry's count. */
  #sharers(): number {
    return this.#peers ?? Math.max(1, this.#deps.peers());
  }

  #away(error: unknown): void {
    if (this.#reachable) {
      // A new time away: the local share starts empty, and what is known of the shared buckets is stale.
      this.#deps.logger.warn({ err: error, peers: this.#peers }, "model rate limits: the shared buckets on NATS cannot be reached; this node takes its 1/n share of each limit until they can");
      this.#reachable = false;
      this.#local.reset();
      for (const state of this.#states.values()) state.shared = undefined;
    }
    this.#awayUntil = this.#clock.now() + RETRY_SHARED_AFTER_MS;
  }

  #state(key: string): KeyState {
    let state = this.#states.get(key);
    if (state === undefined) this.#states.set(key, (state = { shared: undefined, pendingTokens: 0, owed: { requests: 0, tokens: 0 }, flush: undefined }));
    return state;
  }

  /** One shared write per bucket at a time from this node: its pending adjustments are written once. */
  #inTurn<T>(key: string, work: () => Promise<T>): Promise<T> {
    const mine = (this.#turns.get(key) ?? Promise.resolve()).then(work);
    const done = mine.catch(() => undefined);
    this.#turns.set(key, done);
    void done.then(() => {
      if (this.#turns.get(key) === done) this.#turns.delete(key);
    });
    return mine;
  }
}
