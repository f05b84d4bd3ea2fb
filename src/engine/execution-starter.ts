import { randomUUID } from "node:crypto";
import { EngineError } from "./errors.js";
import type { StartedExecution, WorkflowSource } from "./execution-client.js";
import type { ExecutionLauncher } from "./execution-launcher.js";
import type { OpenedExecution } from "./execution-opening.js";
import type { OriginRules } from "./origin-rules.js";
import type { ExecutionRecorder } from "./recorder.js";
import type { RuntimeOptions } from "./runtime-options.js";
import { fileJsonOf } from "./step-order.js";
import type { ExecutionRecord, QueueState, ResumeSpec } from "./types.js";
import type { LaunchRun } from "./execution-launcher.js";
import { holdQueued } from "./queued-launch.js";
import { pathInFolders } from "./workflow-folders.js";
import { given } from "../present.js";

/** Starts an opened execution: its id, timeout and resume spec, its first record, then its launch. */
export class ExecutionStarter {
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

  /** Records the execution as started and launches it; aborting the request's signal cancels it. */
  start(opened: OpenedExecution): StartedExecution {
    const { request, source, plan, budget, fromCaller, workflowName } = opened;
    const mode = request.mode ?? "sync";
    const executionId = request.executionId ?? randomUUID();
    if (this.#recorder.isLive(executionId)) throw new EngineError("WFX_DUPLICATE_EXECUTION_ID", `an execution with id ${executionId} is already running`, { hint: "leave executionId out, or pass a fresh randomUUID()" });
    const timeoutS = request.timeoutS ?? (plan.timeoutMs === undefined ? this.#options.defaultTimeoutS : plan.timeoutMs / 1000);
    const timeoutMs = timeoutS === undefined ? undefined : timeoutS * 1000;
    const startMs = Date.now();
    const resume: ResumeSpec = {
      file_json: fileJsonOf(source.file),
      generation: 0,
      owner_instance: this.#options.instanceId,
      ...given({ path: source.path }),
      ...this.#pathInFolder(source),
      ...(fromCaller ? { origin: "caller" } : {}),
      ...(timeoutMs === undefined ? {} : { deadline_ms: startMs + timeoutMs }),
      ...given({ placement: request.placement, budget }),
      // The limits it counts against, for whoever takes it over should this process die while it runs.
      ...(request.ticket === undefined || request.ticket.limits.length === 0 ? {} : { queue: { turn_key: request.ticket.turnKey, limits: request.ticket.limits } }),
    };
    const record = this.#recorder.begin({
      executionId,
      workflowName,
      mode,
      node: this.#options.nodeId,
      stepIds: plan.steps.map((s) => s.id),
      startMs,
      pid: process.pid,
      // A caller's workflow lives in a sandbox folder on this node: that path is nothing the caller should see.
      ...(source.path === undefined || fromCaller ? {} : { workflowFile: source.path }),
      ...given({ input: request.input, startedBy: request.startedBy, startedByTenant: request.startedByTenant, priority: request.ticket?.priority }),
    }, resume, mode === "isolated");
    if (request.onEvent) this.#recorder.listen(executionId, request.onEvent);
    const run = (): LaunchRun => ({ executionId, source, deps: this.#rules.depsFor(source.origin), plan, mode, input: request.input, timeoutMs, budget, trace: request.trace, ...given({ priority: request.ticket?.priority }) });
    const done = request.queued === undefined ? this.#launcher.launch(run()) : this.#queue(opened, record, resume, run, timeoutMs);
    const signal = request.signal;
    if (signal) {
      const onAbort = () => void this.#launcher.cancel(executionId, "the caller went away");
      signal.addEventListener("abort", onAbort, { once: true });
      void done.then(() => signal.removeEventListener("abort", onAbort));
    }
    return { executionId, record, done };
  }

  /**
   * No slot for it yet: recorded `queued` (with what restarts it after a crash) and launched when the queue says; a
   * sync caller's timeout counts while it waits, an async one's from its start.
   */
  #queue(opened: OpenedExecution, record: ExecutionRecord, resume: ResumeSpec, run: () => LaunchRun, timeoutMs: number | undefined): Promise<ExecutionRecord> {
    const executionId = record.execution_id;
    const queued = opened.request.queued!;
    const sync = record.execution_mode === "sync";
    const queuedAt = Date.now();
    resume.queue = { turn_key: queued.turnKey, limits: queued.limits, ...given({ timeout_ms: timeoutMs, max_queued: queued.maxQueued }) };
    if (!sync) delete resume.deadline_ms;
    const done = this.#recorder.whenDone(executionId);
    const place = holdQueued(this.#recorder, this.#launcher, {
      executionId,
      enqueue: queued.enqueue,
      deadlineMs: sync && timeoutMs !== undefined ? queuedAt + timeoutMs : undefined,
      run: () => {
        // A sync caller's deadline was fixed when it was queued; an async execution's timeout starts now.
        if (!sync && timeoutMs !== undefined) resume.deadline_ms = Date.now() + timeoutMs;
        return { ...run(), timeoutMs: resume.deadline_ms === undefined ? undefined : resume.deadline_ms - Date.now() };
      },
    });
    const state: QueueState = { priority: queued.priority, key: queued.key, position: place.position, reason: place.reason, queued_at: queuedAt };
    this.#recorder.record({ execution_id: executionId, seq: 1, type: "execution.queued", time: queuedAt, data: state });
    return done;
  }

  /** An operator's file inside one of the node's workflow folders: where it sits there, for an adopter on another machine. */
  #pathInFolder(source: WorkflowSource): { path_in_folder?: string } {
    if (source.origin === "caller" || source.path === undefined) return {};
    const inside = pathInFolders(source.path, this.#options.workflowFolders);
    return inside === undefined ? {} : { path_in_folder: inside };
  }
}
