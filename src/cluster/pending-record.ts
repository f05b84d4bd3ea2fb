import type { ExecutionRecord, ExecutionStatus } from "../engine/internal.js";
import { recordThatFits } from "./record-size.js";

/**
 * The newest version of an execution's record not yet acknowledged by JetStream: its JSON as the engine wrote it, made
 * to fit a message (and parsed) only when it is sent or read, so versions written and replaced in one turn cost nothing.
 */
export class PendingRecord {
  sending = false;
  dirty = true;
  failures = 0;
  #raw: string;
  #status: ExecutionStatus;
  #fitted: { json: string; record: ExecutionRecord } | undefined;
  #sealed: Uint8Array | undefined;

  constructor(
    raw: string,
    status: ExecutionStatus,
    private readonly maxBytes: () => number,
  ) {
    this.#raw = raw;
    this.#status = status;
  }

  get status(): ExecutionStatus {
    return this.#status;
  }

  /** A newer version replaces this one (and is due). */
  replace(raw: string, status: ExecutionStatus): void {
    this.#raw = raw;
    this.#status = status;
    this.#fitted = undefined;
    this.#sealed = undefined;
    this.dirty = true;
  }

  /** The version as stored: JSON that fits a message, and the record it holds (never changed afterwards). */
  fitted(): { json: string; record: ExecutionRecord } {
    return (this.#fitted ??= recordThatFits(this.#raw, this.maxBytes()));
  }

  /** The version as written to JetStream, sealed once (a final record is sealed while it waits for its events). */
  sealed(seal: (json: string, record: ExecutionRecord) => Uint8Array): Uint8Array {
    if (this.#sealed !== undefined) return this.#sealed;
    const { json, record } = this.fitted();
    return (this.#sealed = seal(json, record));
  }
}
