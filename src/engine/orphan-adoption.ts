import type { WorkflowFile } from "../config/index.js";
import { toErrorInfo } from "../errors.js";
import { CancelledError } from "./errors.js";
import type { CancelResult, WorkflowSource } from "./execution-client.js";
import type { ExecutionLauncher } from "./execution-launcher.js";
import { claimOrphan, findOrphans, lastSeqOf, ownerOf, rebuildRecord } from "./orphans.js";
import type { OriginRules } from "./origin-rules.js";
import type { ExecutionRecorder } from "./recorder.js";
import { resumePointOf } from "./resume-point.js";
import type { RuntimeOptions } from "./runtime-options.js";
import { planFor } from "./services.js";
import { TERMINAL_STATUSES, type ExecutionEvent, type ExecutionRecord, type KeyLimit } from "./types.js";
import { adoptedPath } from "./workflow-folders.js";
import { given } from "../present.js";

/** How an adopted execution counts on its new node (a slot, its concurrency keys, its token's max_running) until the returned release. */
export type Resumed = (executionId: string, ticket: { priority: number; limits: readonly KeyLimit[] }) => () => void;

/**
 * Takes over executions whose owning process died (once across the processes sharing the store): continues each from
 * its events under `resumePolicy: resume`, ends it failed under `fail`; and ends one cancelled when it is cancelled.
 */
export class OrphanAdoption {
  readonly #options: Readonly<RuntimeOptions>;
  readonly #recorder: ExecutionRecorder;
  readonly #launcher: ExecutionLauncher;
  readonly #rules: OriginRules;

  constructor(options: Readonly<RuntimeOptions>, recorder: ExecutionRecorder, launcher: ExecutionLauncher, rules: OriginRules) {
    this.#options = options;
    this.#recorder = recorder;
    this.#launcher = launcher;
    this.#rules = rules;
  }

  /** Adopts every orphan this process may take (each counted under its limits through `resumed`); returns the ids it continues. */
  async recover(resumed?: Resumed): Promise<string[]> {
    const store = this.#options.store;
    const adopted: string[] = [];
    for (const stored of await findOrphans(store, this.#recorder, this.#options.ownerAlive)) {
      if (!this.#options.mayAdopt(stored)) continue;
      const claimed = await this.#claim(stored);
      if (claimed === undefined) continue;
      if (TERMINAL_STATUSES.has(claimed.record.status)) {
        // Its end was journaled but the final snapshot was not: nothing to run, just repair the record.
        delete claimed.record.resume;
        store.putRecord(claimed.record);
        continue;
      }
      adopted.push(stored.execution_id);
      this.#adopt(stored, claimed.record, claimed.events, resumed);
    }
    return adopted;
  }

  /**
   * Claims an orphan for this process (undefined when another process has it): its record folded afresh from its
   * events, owned here, with the resume spec's generation advanced.
   */
  async #claim(stored: ExecutionRecord): Promise<{ record: ExecutionRecord; events: ExecutionEvent[] } | undefined> {
    const store = this.#options.store;
    const generation = await claimOrphan(store, stored, this.#options.nodeId);
    if (generation === undefined) return undefined;
    // This process may have been fenced on it as an earlier owner (its adopter died since): it writes it again now.
    store.adopting?.(stored.execution_id);
    const events = await store.getEvents(stored.execution_id);
    const record = rebuildRecord(stored, events);
    record.pid = process.pid;
    if (record.resume !== undefined) record.resume = { ...record.resume, generation, owner_instance: this.#options.instanceId };
    return { record, events };
  }

  /** Takes a claimed orphan live here: `stored` is as its dead owner left it, `record` the claimed copy. */
  #adopt(stored: ExecutionRecord, record: ExecutionRecord, events: readonly ExecutionEvent[], resumed: Resumed | undefined): void {
    const executionId = record.execution_id;
    const lostOwner = ownerOf(stored);
    const spec = record.resume;
    this.#recorder.adopt(record, lastSeqOf(events));
    const fail = (message: string, hint: string) => this.#recorder.finishIfRunning(executionId, "execution.failed", { code: "WFX_RESUME_REFUSED", message, hint }, Date.now());
    if (spec === undefined) return fail(`${lostOwner} died, and the execution carries nothing to resume it from`, "start it again");
    if (this.#options.resumePolicy === "fail") return fail(`${lostOwner} died, and this node is set not to resume executions (resume policy: fail)`, "start it again, or run the node with --resume-policy resume");
    try {
      const path = spec.origin === "caller" ? spec.path : adoptedPath(spec.path, spec.path_in_folder, this.#options.workflowFolders);
      const source: WorkflowSource = { file: JSON.parse(spec.file_json) as WorkflowFile, ...given({ path }), ...given({ origin: spec.origin }) };
      this.#rules.check(source);
      const plan = planFor(source.file, record.workflow_name, source.path);
      const timeoutMs = spec.deadline_ms === undefined ? undefined : spec.deadline_ms - Date.now();
      const resume = resumePointOf(plan, events, lostOwner);
      const done = this.#launcher.launch({ executionId, source, deps: this.#rules.depsFor(source.origin), plan, mode: record.execution_mode, input: record.input, timeoutMs, budget: spec.budget, resume, ...given({ priority: record.priority }) });
      // Its slot and its keys' places are held again before anything waiting behind them can take them.
      if (resumed !== undefined) {
        const release = resumed(executionId, { priority: record.priority ?? 5, limits: spec.queue?.limits ?? [] });
        void done.then(release, release);
      }
    } catch (error) {
      const info = toErrorInfo(error);
      fail(`${lostOwner} died, and resuming failed: ${info.message}`, info.hint ?? "start it again");
    }
  }

  /**
   * Its owner died: claim it like an adopter would, then end it cancelled (nothing runs it to be stopped). Undefined
   * when another process adopted it just now: ask that one like any live owner.
   */
  async cancel(seen: ExecutionRecord, reason: string): Promise<CancelResult | undefined> {
    const executionId = seen.execution_id;
    const store = this.#options.store;
    // The stored record, resume spec included: the claim names the next adoption generation.
    const stored = (await store.getRecord(executionId)) ?? seen;
    const claimed = await this.#claim(stored);
    if (claimed === undefined) {
      const current = await store.getRecord(executionId);
      if (current === undefined || TERMINAL_STATUSES.has(current.status)) return { execution_id: executionId, status: current?.status ?? "not_found", cancelled: false, message: `Execution ended: ${current?.status}` };
      return undefined;
    }
    const { record, events } = claimed;
    this.#recorder.adopt(record, lastSeqOf(events));
    this.#recorder.finishIfRunning(executionId, "execution.cancelled", toErrorInfo(new CancelledError(`${reason} (${ownerOf(stored)} had died)`)), Date.now());
    const final = await this.#recorder.whenDone(executionId).catch(() => record);
    return { execution_id: executionId, status: final.status, cancelled: final.status === "cancelled", message: final.status === "cancelled" ? "Execution cancelled (its owner had died)" : `Execution had already ended: ${final.status}` };
  }
}
