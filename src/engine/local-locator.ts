import type { ExecutionLauncher } from "./execution-launcher.js";
import type { ExecutionLocation, ExecutionLocator } from "./execution-locator.js";
import type { OwnerAlive } from "./owner-liveness.js";
import type { ExecutionRecorder } from "./recorder.js";
import { TERMINAL_STATUSES, type ExecutionRecord, type ExecutionStore } from "./types.js";

/**
 * Where an execution runs, for one process and the others sharing its store: live in its recorder (its supervisor
 * here, or an isolated child), else its stored record's owner, alive (another process) or not (an orphan).
 */
export class LocalExecutionLocator implements ExecutionLocator {
  readonly #recorder: ExecutionRecorder;
  readonly #launcher: ExecutionLauncher;
  readonly #store: ExecutionStore;
  readonly #ownerAlive: OwnerAlive;

  constructor(recorder: ExecutionRecorder, launcher: ExecutionLauncher, store: ExecutionStore, ownerAlive: OwnerAlive) {
    this.#recorder = recorder;
    this.#launcher = launcher;
    this.#store = store;
    this.#ownerAlive = ownerAlive;
  }

  knownHere(executionId: string): ExecutionLocation | undefined {
    return this.#recorder.isLive(executionId) ? { where: this.#launcher.whereLive(executionId) } : undefined;
  }

  locateStored(record: ExecutionRecord): ExecutionLocation {
    if (TERMINAL_STATUSES.has(record.status)) return { where: "ended", record };
    return this.#ownerAlive(record) ? { where: "process", record } : { where: "orphaned", record };
  }

  async locate(executionId: string): Promise<ExecutionLocation> {
    const known = this.knownHere(executionId);
    if (known !== undefined) return known;
    const record = await this.#store.getRecord(executionId);
    return record === undefined ? { where: "unknown" } : this.locateStored(record);
  }
}
