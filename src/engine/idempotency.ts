import { createHash } from "node:crypto";
import { setTimeout as sleep } from "node:timers/promises";
import { IdempotencyKeyReusedError } from "./errors.js";
import type { ExecutionRecord, ExecutionStore } from "./types.js";
import { given } from "../present.js";

/** How long a key names its execution unless configured otherwise: a day, like most payment APIs. */
export const DEFAULT_IDEMPOTENCY_WINDOW_MS = 24 * 3600 * 1000;
export const MAX_IDEMPOTENCY_KEY_LENGTH = 200;
/** A claim with no execution recorded this long after it was made belongs to a process that died before starting it. */
const UNRECORDED_MS = 10_000;
/** A replacement lock this old belongs to a process that died while replacing an expired claim. */
const LOCK_STALE_MS = 10_000;
/** How often a request that lost the claim looks again for the winner's execution. */
const RETRY_MS = 20;

/** What a key's claim records: the execution it started, the request that started it, and when. */
export interface KeyClaim {
  execution_id: string;
  /** sha256 of the request's canonical JSON: the same key with another request is refused. */
  request_hash: string;
  /** Epoch ms; the key is free again `windowMs` later. */
  created_ms: number;
  /** Whatever the first request wanted a repeat to answer with too (a generated workflow's summary). */
  memo?: Record<string, unknown>;
}

export interface IdempotencyKeysOptions {
  windowMs: number;
  /** The record of an execution, wherever it runs (a runtime's `status`), to tell a claim that was never started. */
  lookup: (executionId: string) => Promise<ExecutionRecord | undefined>;
  now?: () => number;
}

/** JSON with object keys sorted and undefined members left out, so equal requests hash equally whatever their key order. */
export function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map((v) => canonicalJson(v === undefined ? null : v)).join(",")}]`;
  if (value !== null && typeof value === "object") {
    const entries = Object.keys(value).sort().filter((k) => (value as Record<string, unknown>)[k] !== undefined);
    return `{${entries.map((k) => `${JSON.stringify(k)}:${canonicalJson((value as Record<string, unknown>)[k])}`).join(",")}}`;
  }
  return JSON.stringify(value) ?? "null";
}

export function requestHash(request: unknown): string {
  return createHash("sha256").update(canonicalJson(request)).digest("hex");
}

/**
 * Idempotency keys over the store's atomic, durable claims, so they hold across processes and restarts. A key is
 * scoped (a token's id), so two callers never share or probe each other's keys.
 */
export class IdempotencyKeys {
  readonly #store: ExecutionStore;
  readonly #options: Required<IdempotencyKeysOptions>;

  constructor(store: ExecutionStore, options: IdempotencyKeysOptions) {
    this.#store = store;
    this.#options = { now: Date.now, ...options };
  }

  /**
   * Undefined when this request owns the key: it must start `executionId` now, or `forget` the key if it cannot.
   * Otherwise the claim of the execution the key already names (recorded by then). Throws IdempotencyKeyReusedError
   * when that execution was started by a different request.
   */
  async claim(scope: string, key: string, request: unknown, executionId: string, options: { memo?: Record<string, unknown>; signal?: AbortSignal } = {}): Promise<KeyClaim | undefined> {
    const name = claimName(scope, key);
    const now = this.#options.now;
    const mine: KeyClaim = { execution_id: executionId, request_hash: requestHash(request), created_ms: 0, ...given({ memo: options.memo }) };
    for (;;) {
      mine.created_ms = now();
      const winner = (await this.#store.claim(name, { ...mine })) as KeyClaim | undefined;
      if (winner === undefined) return undefined;
      const age = now() - winner.created_ms;
      if (age >= this.#options.windowMs) {
        if (await this.#replace(name, winner, mine)) return undefined;
      } else {
        if (winner.request_hash !== mine.request_hash) throw new IdempotencyKeyReusedError(key, winner.execution_id, winner.created_ms);
        if ((await this.#options.lookup(winner.execution_id)) !== undefined) return winner;
        if (age >= UNRECORDED_MS && (await this.#replace(name, winner, mine))) return undefined;
      }
      // The winner has claimed but not yet recorded its execution, gave the key up, or is replacing it: look again.
      await sleep(RETRY_MS, undefined, options.signal === undefined ? {} : { signal: options.signal });
    }
  }

  /** Gives a key back that this request claimed but started nothing for (the node was busy, say). */
  forget(scope: string, key: string): Promise<void> {
    return this.#store.release(claimName(scope, key));
  }

  /**
   * Puts `mine` in place of a stale claim, true when it did. A lock per stale execution lets one request release it:
   * two releasing at once could each delete the other's fresh claim and start two executions.
   */
  async #replace(name: string, stale: KeyClaim, mine: KeyClaim): Promise<boolean> {
    const lock = `${name}/replacing/${stale.execution_id}`;
    const holder = await this.#store.claim(lock, { at: this.#options.now() });
    if (holder !== undefined) {
      if (this.#options.now() - Number(holder["at"]) >= LOCK_STALE_MS) await this.#store.release(lock);
      return false;
    }
    try {
      const current = (await this.#store.claim(name, { ...mine })) as KeyClaim | undefined;
      if (current === undefined) return true;
      if (current.execution_id !== stale.execution_id) return false;
      await this.#store.release(name);
      return (await this.#store.claim(name, { ...mine })) === undefined;
    } finally {
      await this.#store.release(lock);
    }
  }
}

/** JSON of the pair, so no scope and key can be spelled to collide with another's. */
function claimName(scope: string, key: string): string {
  return `idempotency/${JSON.stringify([scope, key])}`;
}
