import { setTimeout as sleep } from "node:timers/promises";
import { recordJson, TERMINAL_STATUSES, type ExecutionRecord } from "../engine/internal.js";
import type { Logger } from "../observability/index.js";
import { conditionalKey, isWrongLastSequence, putOverOwn } from "./conditional-writes.js";
import { sameWriter } from "./own-write.js";
import { PendingRecord } from "./pending-record.js";
import { backoffMs } from "./retried.js";
import type { StoreParts } from "./store-parts.js";
import { CLUSTER_STORE, storeKey } from "./subjects.js";
import type { SealedStoreValues } from "./trust/sealed-store-values.js";
import type { WriteHealth } from "./write-health.js";

/** Where a record lives, as its seal names it: a value moved to another key fails the check. */
export const recordWhere = (key: string) => `kv.${CLUSTER_STORE.records}.${key}`;

export interface RecordPutsDeps {
  values: SealedStoreValues;
  /** What one record may take as JSON. */
  maxBytes(): number;
  /** Events of the execution not yet acknowledged: its final record waits for them. */
  eventsPending(executionId: string): boolean;
  /** The execution's writes go out at the end of the turn. */
  due(executionId: string): void;
  /** Nothing of the execution waits here any more. */
  settled(executionId: string): void;
  /** Another process wrote the record since this one last did: it is no longer this one's to write. */
  fenced(executionId: string, reason: string): void;
  track(write: Promise<unknown>): void;
  health: WriteHealth;
  closed(): boolean;
  logger: Logger;
}

/**
 * The record half of the cluster store's writes: the newest version of each execution's record not yet acknowledged,
 * one put at a time per execution, always of its newest version (an older one can never land after a newer), each
 * conditional on the revision this process last wrote (fencing), resent with backoff until it lands.
 */
export class RecordPuts {
  /** Record versions not yet acknowledged, newest per execution, and whether one is on its way. */
  readonly #records = new Map<string, PendingRecord>();
  /** The record revision each execution's last put here made: the next put is conditional on it. */
  readonly #revisions = new Map<string, number>();

  constructor(private readonly deps: RecordPutsDeps) {}

  /** A newer version of the record, sent by `send` (the store's write window calls it once per turn). */
  put(record: ExecutionRecord): void {
    const pending = this.#records.get(record.execution_id);
    if (pending === undefined) this.#records.set(record.execution_id, new PendingRecord(recordJson(record), record.status, () => this.deps.maxBytes()));
    else pending.replace(recordJson(record), record.status);
  }

  has(executionId: string): boolean {
    return this.#records.has(executionId);
  }

  ids(): IterableIterator<string> {
    return this.#records.keys();
  }

  /** The version this process reads of its own before JetStream has it (a copy: the caller may change it). */
  pending(executionId: string): ExecutionRecord | undefined {
    const pending = this.#records.get(executionId);
    return pending === undefined ? undefined : (JSON.parse(pending.fitted().json) as ExecutionRecord);
  }

  /** Every version not yet acknowledged, as stored. */
  all(): Map<string, ExecutionRecord> {
    return new Map([...this.#records].map(([id, pending]) => [id, pending.fitted().record]));
  }

  /** Nothing more of the execution is put from here. */
  drop(executionId: string): void {
    this.#records.delete(executionId);
    this.#revisions.delete(executionId);
  }

  send(id: string, parts: StoreParts): void {
    const pending = this.#records.get(id);
    if (pending === undefined || pending.sending || !pending.dirty) return;
    const { values, health, logger } = this.deps;
    const key = storeKey(id);
    const value = pending.sealed((json, record) => values.record(recordWhere(key), json, record));
    // A final record waits for the execution's events (sealed meanwhile): a crash between the two never leaves it ended without its end event.
    if (TERMINAL_STATUSES.has(pending.status) && this.deps.eventsPending(id)) return;
    pending.sending = true;
    pending.dirty = false;
    const sent = pending.fitted();
    parts.view.own(key, value, sent.record);
    const own = (stored: Uint8Array) => sameWriter(() => values.recordOf(recordWhere(key), stored), sent.record);
    this.deps.track(
      putOverOwn(conditionalKey(parts.records, CLUSTER_STORE.records, key, parts.publisher), value, this.#revisions.get(id), own).then(
        (revision) => {
          pending.sending = false;
          pending.failures = 0;
          health.settled(`record ${id}`);
          if (TERMINAL_STATUSES.has(sent.record.status) && !pending.dirty) this.#revisions.delete(id);
          else this.#revisions.set(id, revision);
          if (pending.dirty) this.deps.due(id);
          else if (this.#records.get(id) === pending) {
            this.#records.delete(id);
            this.deps.settled(id);
          }
        },
        (error: unknown) => {
          pending.sending = false;
          if (isWrongLastSequence(error)) return this.deps.fenced(id, "its record was written by another process since this one last wrote it (another node adopted it)");
          health.failed(`record ${id}`, error);
          pending.dirty = true;
          pending.failures++;
          const delay = backoffMs(pending.failures);
          if (pending.failures === 1 || pending.failures % 10 === 0) logger.warn({ err: error, execution_id: id, failures: pending.failures, retry_in_ms: delay }, "writing an execution record to JetStream failed; sending it again");
          if (!this.deps.closed()) this.deps.track(sleep(delay).then(() => this.send(id, parts)));
        },
      ),
    );
  }
}
