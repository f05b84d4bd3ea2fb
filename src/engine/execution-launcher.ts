import type { ActorRef, ActorSystem } from "../actors/index.js";
import { endpointsFor } from "../agents/index.js";
import { resolveAgentEndpoint } from "../config/index.js";
import type { ResolvedBudget } from "./budget.js";
import { CrossProcessCancel } from "./cross-process-cancel.js";
import type { WorkflowSource } from "./execution-client.js";
import type { SupervisorMessage } from "./execution-supervisor.js";
import { IsolatedLauncher } from "./isolated/launcher.js";
import type { ExecutionPlan } from "./plan.js";
import type { ExecutionRecorder } from "./recorder.js";
import type { ResumePoint } from "./resume-point.js";
import type { RuntimeOptions } from "./runtime-options.js";
import { supervisorFor, type ServiceDeps } from "./services.js";
import type { ExecutionMode, ExecutionRecord } from "./types.js";
import { given } from "../present.js";
import type { TraceHeaders } from "../observability/trace-context.js";

/** Why the steps of an execution that could not be recorded were cancelled. */
const UNRECORDED = "the execution could not be recorded";

/** A recorded execution to run: from its start, or from where a dead owner left it (`resume`). */
export interface LaunchRun {
  executionId: string;
  source: WorkflowSource;
  deps: ServiceDeps;
  plan: ExecutionPlan;
  mode: ExecutionMode;
  input: unknown;
  timeoutMs: number | undefined;
  budget: ResolvedBudget | undefined;
  resume?: ResumePoint | undefined;
  /** The caller's W3C trace headers, for the execution's span. */
  trace?: TraceHeaders | undefined;
  /** Events recorded before it launched (a queued execution's): the supervisor numbers on after them. */
  afterSeq?: number | undefined;
  /** Its priority (0-9), which its step orders carry. */
  priority?: number | undefined;
}

/**
 * Runs recorded executions' supervisors in this process, or each in an isolated child process, and stops them: what
 * runs here is known here alone (its supervisor's ref, or its child). Another process on the data dir may ask it to
 * cancel one (CrossProcessCancel).
 */
export class ExecutionLauncher {
  readonly #system: ActorSystem;
  readonly #recorder: ExecutionRecorder;
  readonly #options: Readonly<RuntimeOptions>;
  readonly #supervisors = new Map<string, ActorRef<SupervisorMessage>>();
  /** Executions the recorder gave up on inside spawn (their first event), before their supervisor's ref was known. */
  readonly #abandonedInSpawn = new Set<string>();
  readonly #isolated: IsolatedLauncher;
  readonly #crossProcess: CrossProcessCancel | undefined;
  /** Recorded executions waiting in the queue, by id: cancelling one takes it out of line (see queued-launch.ts). */
  readonly #queued = new Map<string, (reason: string) => void>();
  /** How each held execution leaves the queue for another node (see `release`). */
  readonly #releases = new Map<string, () => boolean>();

  constructor(system: ActorSystem, recorder: ExecutionRecorder, options: Readonly<RuntimeOptions>) {
    this.#system = system;
    this.#recorder = recorder;
    this.#options = options;
    this.#isolated = new IsolatedLauncher(system, recorder, options.isolated, { executor: options.tools.workflowExecutor, limiter: options.modelRateLimiter });
    this.#crossProcess = options.dataDir === undefined ? undefined : new CrossProcessCancel(options.dataDir, (id) => this.cancel(id, "cancelled from another process"));
  }

  /** Runs the supervisor here, or in an isolated process; resolves with the final record. */
  launch(run: LaunchRun): Promise<ExecutionRecord> {
    const { executionId } = run;
    const done = this.#recorder.whenDone(executionId);
    if (run.mode === "isolated") this.#launchIsolated(run);
    else {
      const ref = this.#system.spawn(
        supervisorFor(run.deps, { executionId, plan: run.plan, input: run.input, reporter: this.#recorder.reporter(executionId), timeoutMs: run.timeoutMs, budget: run.budget, ...given({ resume: run.resume, trace: run.trace, afterSeq: run.afterSeq, priority: run.priority }) }),
        { name: executionId },
      );
      if (this.#abandonedInSpawn.delete(executionId)) ref.tell({ type: "cancel", reason: UNRECORDED });
      this.#supervisors.set(executionId, ref);
      void done.then(() => this.#supervisors.delete(executionId));
    }
    this.#crossProcess?.own(executionId, done);
    return done;
  }

  #launchIsolated(run: LaunchRun): void {
    const { deps, source } = run;
    const agentEndpoints = endpointsFor(source.file, deps.endpointOf ?? ((agent) => resolveAgentEndpoint(agent, deps.env)));
    this.#isolated.launch({
      executionId: run.executionId,
      file: source.file,
      filePath: source.path,
      workflowName: run.plan.workflowName,
      input: run.input,
      timeoutMs: run.timeoutMs,
      env: deps.env,
      agentEndpoints,
      agentOptions: this.#options.agents,
      limits: this.#options.limits,
      ...given({ caller: deps.caller, resume: run.resume, budget: run.budget, trace: run.trace, afterSeq: run.afterSeq }),
    });
  }

  /** Holds a recorded execution that waits in the queue: `cancel` then calls `onCancel` instead of stopping a supervisor. */
  hold(executionId: string, onCancel: (reason: string) => void, onRelease?: () => boolean): void {
    this.#queued.set(executionId, onCancel);
    if (onRelease !== undefined) this.#releases.set(executionId, onRelease);
  }

  /** Lets a queued execution go to another node without an end of its own; false when it no longer waits here. */
  release(executionId: string): boolean {
    return this.#releases.get(executionId)?.() ?? false;
  }

  /** It leaves the queue (to launch, or ended while waiting). */
  unhold(executionId: string): void {
    this.#queued.delete(executionId);
    this.#releases.delete(executionId);
  }

  isHeld(executionId: string): boolean {
    return this.#queued.has(executionId);
  }

  /** Where a live execution of this process runs: its supervisor here, or else its isolated child. */
  whereLive(executionId: string): "here" | "isolated" {
    return this.#supervisors.has(executionId) || this.#queued.has(executionId) ? "here" : "isolated";
  }

  /** Tells a live execution of this process to cancel; false when none runs here. */
  cancel(executionId: string, reason: string): boolean {
    if (!this.#recorder.isLive(executionId)) return false;
    const queued = this.#queued.get(executionId);
    if (queued !== undefined) {
      queued(reason);
      return true;
    }
    const ref = this.#supervisors.get(executionId);
    if (ref) ref.tell({ type: "cancel", reason });
    else this.#isolated.cancel(executionId, reason);
    return true;
  }

  /** Stops the steps of an execution the recorder ended because it could not record it (its later events would be lost). */
  abandon(record: ExecutionRecord): void {
    const executionId = record.execution_id;
    const held = this.#queued.get(executionId);
    if (held !== undefined) return held(UNRECORDED);
    if (record.execution_mode === "isolated") return this.#isolated.cancel(executionId, UNRECORDED);
    const ref = this.#supervisors.get(executionId);
    if (ref) ref.tell({ type: "cancel", reason: UNRECORDED });
    else this.#abandonedInSpawn.add(executionId);
  }

  /** Asks the process on this data dir that runs it to cancel; undefined when there is none or it did not answer. */
  askOwner(executionId: string, record: ExecutionRecord): Promise<ExecutionRecord | undefined> {
    return this.#crossProcess?.request(executionId, record, () => this.#options.store.getRecord(executionId)) ?? Promise.resolve(undefined);
  }

  async close(): Promise<void> {
    this.#crossProcess?.close();
    await this.#isolated.close();
  }
}
