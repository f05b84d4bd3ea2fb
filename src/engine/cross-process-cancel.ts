import { mkdirSync, readdirSync, unlinkSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { isProcessAlive } from "./process-alive.js";
import { TERMINAL_STATUSES, type ExecutionRecord } from "./types.js";

const SIGNAL = "SIGUSR2";
const POLL_MS = 50;
const ANSWER_WITHIN_MS = 10_000;

/**
 * Lets `wfx cancel ID` in one terminal stop an execution that a `wfx run --mode async` background process owns:
 * the canceller drops a request file in the data dir and wakes the owner with SIGUSR2.
 */
export class CrossProcessCancel {
  readonly #dir: string;
  readonly #owned = new Set<string>();
  readonly #onCancel: (executionId: string) => void;
  #listening = false;
  readonly #onSignal = () => this.#scan();

  constructor(dataDir: string, onCancel: (executionId: string) => void) {
    this.#dir = join(dataDir, "cancel-requests");
    this.#onCancel = onCancel;
  }

  own(executionId: string, done: Promise<unknown>): void {
    if (!this.#listening) {
      process.on(SIGNAL, this.#onSignal);
      this.#listening = true;
    }
    this.#owned.add(executionId);
    void done.then(() => this.#owned.delete(executionId));
  }

  #scan(): void {
    let names: string[];
    try {
      names = readdirSync(this.#dir);
    } catch {
      return;
    }
    for (const name of names) {
      if (!this.#owned.has(name)) continue;
      try {
        unlinkSync(join(this.#dir, name));
      } catch {
        continue; // another process took it
      }
      this.#onCancel(name);
    }
  }

  /** Asks the owner to cancel and waits for the record to end; undefined when the owner is gone or silent. */
  async request(executionId: string, record: ExecutionRecord, reread: () => Promise<ExecutionRecord | undefined>): Promise<ExecutionRecord | undefined> {
    if (record.pid === undefined || !isProcessAlive(record.pid)) return undefined;
    mkdirSync(this.#dir, { recursive: true });
    writeFileSync(join(this.#dir, executionId), String(process.pid));
    process.kill(record.pid, SIGNAL);
    const deadline = Date.now() + ANSWER_WITHIN_MS;
    while (Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, POLL_MS));
      const latest = await reread();
      if (latest && TERMINAL_STATUSES.has(latest.status)) return latest;
      if (!isProcessAlive(record.pid)) return latest;
    }
    return undefined;
  }

  close(): void {
    if (this.#listening) process.off(SIGNAL, this.#onSignal);
    this.#listening = false;
  }
}
