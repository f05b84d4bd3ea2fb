import { resolve } from "node:path";
import { resolveDataDir } from "./data-dir.js";
import { StoreError } from "./errors.js";

export interface EmbeddedStoreOptions {
  /** Default: `resolveDataDir()` (`WFX_DATA_DIR`, else `~/.wfx/data`). */
  dataDir?: string;
  /** Executions that ended longer ago than this are dropped when segments are compacted. Default 7 days. */
  retentionMs?: number;
  /** How long appended lines may wait in memory before one write puts them in the journal. Default 10 ms. */
  flushIntervalMs?: number;
  /** A buffer this large is written at once, without waiting for the timer. Default 256 KiB. */
  maxBufferBytes?: number;
  /** A segment this large is closed and a new one started. Default 64 MiB. */
  maxSegmentBytes?: number;
  /** Recent executions whose record (and, separately, events) this writer answers from memory: at least this many, at most twice. Default 1,000: more only feeds the garbage collector. */
  maxCachedExecutions?: number;
  /** Beyond this many events one execution's events are read back from disk. Default 10,000. */
  maxCachedEventsPerExecution?: number;
  /** Bytes of those recent records' and events' JSON kept in memory, in one buffer outside the JS heap; older ones are read back from disk. Default 16 MiB. */
  cachedBytes?: number;
  /** Compact closed segments before `open` returns. Default true (false when `readOnly`). */
  compactOnOpen?: boolean;
  /** Compact again this often while open (0: never). Default 1 hour. */
  compactIntervalMs?: number;
  /** Only read: no segment is created, nothing is compacted, writes throw. For `wfx status` and friends. */
  readOnly?: boolean;
  /** Epoch-ms clock, injected so retention can be tested. */
  now?: () => number;
}

export type ResolvedEmbeddedStoreOptions = Readonly<Required<EmbeddedStoreOptions>>;

const DAY_MS = 24 * 60 * 60 * 1000;

export function defaultEmbeddedStoreOptions(): Omit<ResolvedEmbeddedStoreOptions, "dataDir"> {
  return {
    retentionMs: 7 * DAY_MS,
    flushIntervalMs: 10,
    maxBufferBytes: 256 * 1024,
    maxSegmentBytes: 64 * 1024 * 1024,
    maxCachedExecutions: 1_000,
    maxCachedEventsPerExecution: 10_000,
    cachedBytes: 16 * 1024 * 1024,
    compactOnOpen: true,
    compactIntervalMs: 60 * 60 * 1000,
    readOnly: false,
    now: Date.now,
  };
}

const POSITIVE = ["flushIntervalMs", "maxBufferBytes", "maxSegmentBytes", "maxCachedExecutions", "maxCachedEventsPerExecution", "cachedBytes"] as const;
const NON_NEGATIVE = ["retentionMs", "compactIntervalMs"] as const;

/** Merges defaults, validates once and freezes. */
export function resolveEmbeddedStoreOptions(options: EmbeddedStoreOptions = {}): ResolvedEmbeddedStoreOptions {
  const defaults = defaultEmbeddedStoreOptions();
  const defined = Object.fromEntries(Object.entries(options).filter(([, v]) => v !== undefined)) as EmbeddedStoreOptions;
  const readOnly = defined.readOnly ?? defaults.readOnly;
  const merged: Required<EmbeddedStoreOptions> = {
    ...defaults,
    compactOnOpen: !readOnly,
    ...defined,
    dataDir: resolve(defined.dataDir ?? resolveDataDir()),
  };
  const problems: string[] = [];
  for (const key of POSITIVE) if (!(Number.isFinite(merged[key]) && merged[key] > 0)) problems.push(`${key} must be a positive number (got ${merged[key]})`);
  for (const key of NON_NEGATIVE) if (!(Number.isFinite(merged[key]) && merged[key] >= 0)) problems.push(`${key} must be a number >= 0 (got ${merged[key]})`);
  if (merged.readOnly && merged.compactOnOpen) problems.push("compactOnOpen cannot be set on a readOnly store");
  if (problems.length > 0) {
    throw new StoreError("WFX_STORE_BAD_OPTIONS", `invalid embedded store options: ${problems.join("; ")}`, {
      hint: "fix the values passed to EmbeddedExecutionStore.open",
    });
  }
  return Object.freeze(merged);
}
