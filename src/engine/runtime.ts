import { randomUUID } from "node:crypto";
import { createActorSystem, type ActorRef, type ActorSystem } from "../actors/index.js";
import { dirname, resolve } from "node:path";
import { adjustWorkflowFile, nodeModelBaseUrl, resolveAgentEndpoint, resolveCallerAgentEndpoint, type WorkflowFile } from "../config/index.js";
import { endpointsFor } from "../agents/index.js";
import { toErrorInfo } from "../errors.js";
import { ExecutionFollower } from "./execution-follower.js";
import { CancelledError, EngineError } from "./errors.js";
import type { SupervisorMessage } from "./execution-supervisor.js";
import { ExecutionRecorder } from "./recorder.js";
import type { CancelResult, ExecuteRequest, ExecutionClient, StartedExecution, WatchListener, WorkflowSource } from "./execution-client.js";
import { IsolatedLauncher } from "./isolated/launcher.js";
import { resolveRuntimeOptions, type RuntimeOptions, type RuntimeOptionsInput } from "./runtime-options.js";
import { planFor, supervisorFor, type ServiceDeps } from "./services.js";
import { CrossProcessCancel } from "./cross-process-cancel.js";
import { claimOrphan, findOrphans, lastSeqOf, ownerOf, rebuildRecord } from "./orphans.js";
import type { ExecutionPlan } from "./plan.js";
import type { StepLogic } from "./step-actor.js";
import { stepFromOrder, type OrderedStepOptions, type OrderNode } from "./step-from-order.js";
import { fileJsonOf, type StepOrder } from "./step-order.js";
import { resumePointOf, type ResumePoint } from "./resume-point.js";
import { adoptedPath, pathInFolders } from "./workflow-folders.js";
import { enforceCallerPolicy, type CallerGrant } from "./caller-policy.js";
import { resolveExecutionBudget } from "./execution-budget.js";
import type { ResolvedBudget } from "./budget.js";
import { TERMINAL_STATUSES, type ExecutionEvent, type ExecutionMode, type ExecutionRecord, type ListExecutionsQuery, type ResumeSpec } from "./types.js";

/** Why the steps of an execution that could not be recorded were cancelled. */
const UNRECORDED = "the execution could not be recorded";

/** A record as callers see it: without the resume spec, which is for an adopting node only. */
function shownRecord(record: ExecutionRecord): ExecutionRecord {
  if (record.resume === undefined) return record;
  const { resume: _resume, ...shown } = record;
  return shown;
}

export function defaultWorkflowName(file: WorkflowFile): string {
  const names = Object.keys(file.workflows);
  if (names.length === 0) throw new EngineError("WFX_NO_WORKFLOWS", "the file defines no workflows", { hint: "add a `workflows:` section" });
  return names[0]!;
}

/** One node's execution runtime: starts executions in any mode, answers status, cancels, and streams events. */
export class Runtime implements ExecutionClient {
  readonly options: Readonly<RuntimeOptions>;
  readonly system: ActorSystem;
  readonly recorder: ExecutionRecorder;
  readonly #supervisors = new Map<string, ActorRef<SupervisorMessage>>();
  /** Executions the recorder gave up on inside spawn (their first event), before their supervisor's ref was known. */
  readonly #abandonedInSpawn = new Set<string>();
  readonly #isolated: IsolatedLauncher;
  readonly #deps: ServiceDeps;
  /** The same, for workflows callers sent: no environment, tools bounded by the caller policy, the node's model only. */
  readonly #callerDeps: ServiceDeps;
  readonly #crossProcess: CrossProcessCancel | undefined;
  readonly #orderNode: OrderNode;

  constructor(options: RuntimeOptionsInput) {
    this.options = resolveRuntimeOptions(options);
    this.recorder = new ExecutionRecorder(this.options.store, (record) => this.#abandon(record), this.options.prices);
    this.system = createActorSystem({ id: this.options.nodeId, onError: (error, address) => this.#onActorError(error, address) });
    // A stale owner (paused or cut off past detection) stops what another node adopted; the store refuses its writes already.
    this.options.store.onFenced?.((executionId, reason) => this.#cancelLocal(executionId, `fenced: ${reason}`));
    this.#deps = { system: this.system, tools: this.options.tools, node: this.options.nodeId, env: this.options.env, agentOptions: this.options.agents, limits: this.options.limits, workflowFolders: this.options.workflowFolders, ...(this.options.stepHost === undefined ? {} : { stepHost: this.options.stepHost }) };
    const { env, callerPolicy } = this.options;
    this.#callerDeps = { ...this.#deps, env: {}, caller: callerPolicy, endpointOf: (agent) => resolveCallerAgentEndpoint(agent, env, callerPolicy.model_endpoints) };
    this.#orderNode = {
      nodeId: this.options.nodeId,
      workflowFolders: this.options.workflowFolders,
      depsFor: (origin) => (origin === "caller" ? this.#callerDeps : this.#deps),
      admit: (file, origin, path) => {
        if (origin === "caller") enforceCallerPolicy(file, this.callerGrant({ file, path, origin }), "the ordered workflow");
      },
    };
    this.#isolated = new IsolatedLauncher(this.system, this.recorder, this.options.isolated, this.options.tools.workflowExecutor);
    this.#crossProcess = this.options.dataDir === undefined ? undefined : new CrossProcessCancel(this.options.dataDir, (id) => this.#cancelLocal(id, "cancelled from another process"));
  }

  /** A supervisor that crashed (a bug, never a step failure) must still end its execution rather than leave it running forever. */
  #onActorError(error: unknown, address: string): void {
    const executionId = address.slice(address.lastIndexOf("/") + 1);
    const info = toErrorInfo(error);
    this.recorder.finishIfRunning(executionId, "execution.failed", { code: "WFX_INTERNAL", message: `the execution supervisor crashed: ${info.message}`, hint: "this is a bug in the runtime; please report it with the workflow" }, Date.now());
  }

  /** Stops the steps of an execution the recorder ended because it could not record it (its later events would be lost). */
  #abandon(record: ExecutionRecord): void {
    const executionId = record.execution_id;
    if (record.execution_mode === "isolated") return this.#isolated.cancel(executionId, UNRECORDED);
    const ref = this.#supervisors.get(executionId);
    if (ref) ref.tell({ type: "cancel", reason: UNRECORDED });
    else this.#abandonedInSpawn.add(executionId);
  }

  /** Starts an execution and returns at once with its id; `done` resolves with the final record. */
  start(request: ExecuteRequest): StartedExecution {
    const environment = request.environment ?? this.options.env["WFX_ENV"];
    const file = adjustWorkflowFile(request.source.file, { environment, configOverride: request.configOverride }, request.source.path);
    const source: WorkflowSource = file === request.source.file ? request.source : { ...request.source, file };
    const fromCaller = source.origin === "caller";
    if (fromCaller) enforceCallerPolicy(source.file, this.callerGrant(source), "the workflow");
    const deps = fromCaller ? this.#callerDeps : this.#deps;
    const workflowName = request.workflowName ?? defaultWorkflowName(source.file);
    const plan = planFor(source.file, workflowName, source.path);
    const budget = resolveExecutionBudget({ workflowName, workflow: plan.budget, request: request.budget, cap: this.options.callerPolicy.max_budget, fromCaller });
    const mode = request.mode ?? "sync";
    const executionId = request.executionId ?? randomUUID();
    if (this.recorder.isLive(executionId)) throw new EngineError("WFX_DUPLICATE_EXECUTION_ID", `an execution with id ${executionId} is already running`, { hint: "leave executionId out, or pass a fresh randomUUID()" });
    const timeoutS = request.timeoutS ?? (plan.timeoutMs === undefined ? this.options.defaultTimeoutS : plan.timeoutMs / 1000);
    const timeoutMs = timeoutS === undefined ? undefined : timeoutS * 1000;
    const startMs = Date.now();
    const resume: ResumeSpec = { file_json: fileJsonOf(source.file), generation: 0, owner_instance: this.options.instanceId, ...(source.path === undefined ? {} : { path: source.path }), ...this.#pathInFolder(source), ...(fromCaller ? { origin: "caller" } : {}), ...(timeoutMs === undefined ? {} : { deadline_ms: startMs + timeoutMs }), ...(request.placement === undefined ? {} : { placement: request.placement }), ...(budget === undefined ? {} : { budget }) };
    const record = this.recorder.begin({
      executionId,
      workflowName,
      mode,
      node: this.options.nodeId,
      stepIds: plan.steps.map((s) => s.id),
      startMs,
      pid: process.pid,
      // A caller's workflow lives in a sandbox folder on this node: that path is nothing the caller should see.
      ...(source.path === undefined || fromCaller ? {} : { workflowFile: source.path }),
      ...(request.input === undefined ? {} : { input: request.input }),
      ...(request.startedBy === undefined ? {} : { startedBy: request.startedBy }),
      ...(request.startedByTenant === undefined ? {} : { startedByTenant: request.startedByTenant }),
    }, resume, mode === "isolated");
    if (request.onEvent) this.recorder.listen(executionId, request.onEvent);
    const done = this.#launch({ executionId, source, deps, plan, mode, input: request.input, timeoutMs, budget });
    if (request.signal) {
      const onAbort = () => void this.#cancelLocal(executionId, "the caller went away");
      request.signal.addEventListener("abort", onAbort, { once: true });
      void done.then(() => request.signal!.removeEventListener("abort", onAbort));
    }
    return { executionId, record, done };
  }

  /** Runs a recorded execution's supervisor, here or in an isolated process; from its start, or from where a dead owner left it. */
  #launch(run: { executionId: string; source: WorkflowSource; deps: ServiceDeps; plan: ExecutionPlan; mode: ExecutionMode; input: unknown; timeoutMs: number | undefined; budget: ResolvedBudget | undefined; resume?: ResumePoint }): Promise<ExecutionRecord> {
    const { executionId, source, deps, plan } = run;
    const done = this.recorder.whenDone(executionId);
    if (run.mode === "isolated") {
      const agentEndpoints = endpointsFor(source.file, deps.endpointOf ?? ((agent) => resolveAgentEndpoint(agent, deps.env)));
      this.#isolated.launch({ executionId, file: source.file, filePath: source.path, workflowName: plan.workflowName, input: run.input, timeoutMs: run.timeoutMs, env: deps.env, agentEndpoints, agentOptions: this.options.agents, limits: this.options.limits, ...(deps.caller === undefined ? {} : { caller: deps.caller }), ...(run.resume === undefined ? {} : { resume: run.resume }), ...(run.budget === undefined ? {} : { budget: run.budget }) });
    } else {
      const ref = this.system.spawn(
        supervisorFor(deps, { executionId, plan, input: run.input, reporter: this.recorder.reporter(executionId), timeoutMs: run.timeoutMs, budget: run.budget, ...(run.resume === undefined ? {} : { resume: run.resume }) }),
        { name: executionId },
      );
      if (this.#abandonedInSpawn.delete(executionId)) ref.tell({ type: "cancel", reason: UNRECORDED });
      this.#supervisors.set(executionId, ref);
      void done.then(() => this.#supervisors.delete(executionId));
    }
    this.#crossProcess?.own(executionId, done);
    return done;
  }

  /**
   * Adopts every execution whose owning process died (once across the processes sharing the store): continues it
   * from its events under `resumePolicy: resume`, or ends it failed under `fail`. Returns the ids adopted.
   */
  async recoverOrphans(): Promise<string[]> {
    const store = this.options.store;
    const adopted: string[] = [];
    for (const stored of await findOrphans(store, this.recorder, this.options.ownerAlive)) {
      if (!this.options.mayAdopt(stored)) continue;
      const claimed = await this.#claimOrphan(stored);
      if (claimed === undefined) continue;
      if (TERMINAL_STATUSES.has(claimed.record.status)) {
        // Its end was journaled but the final snapshot was not: nothing to run, just repair the record.
        delete claimed.record.resume;
        store.putRecord(claimed.record);
        continue;
      }
      adopted.push(stored.execution_id);
      this.#adopt(stored, claimed.record, claimed.events);
    }
    return adopted;
  }

  /**
   * Claims an orphan for this process (undefined when another process has it): its record folded afresh from its
   * events, owned here, with the resume spec's generation advanced.
   */
  async #claimOrphan(stored: ExecutionRecord): Promise<{ record: ExecutionRecord; events: ExecutionEvent[] } | undefined> {
    const store = this.options.store;
    const generation = await claimOrphan(store, stored, this.options.nodeId);
    if (generation === undefined) return undefined;
    const events = await store.getEvents(stored.execution_id);
    const record = rebuildRecord(stored, events);
    record.pid = process.pid;
    if (record.resume !== undefined) record.resume = { ...record.resume, generation, owner_instance: this.options.instanceId };
    return { record, events };
  }

  /** Takes a claimed orphan live here: `stored` is as its dead owner left it, `record` the claimed copy. */
  #adopt(stored: ExecutionRecord, record: ExecutionRecord, events: readonly ExecutionEvent[]): void {
    const executionId = record.execution_id;
    const lostOwner = ownerOf(stored);
    const spec = record.resume;
    this.recorder.adopt(record, lastSeqOf(events));
    const fail = (message: string, hint: string) => this.recorder.finishIfRunning(executionId, "execution.failed", { code: "WFX_RESUME_REFUSED", message, hint }, Date.now());
    if (spec === undefined) return fail(`${lostOwner} died, and the execution carries nothing to resume it from`, "start it again");
    if (this.options.resumePolicy === "fail") return fail(`${lostOwner} died, and this node is set not to resume executions (resume policy: fail)`, "start it again, or run the node with --resume-policy resume");
    try {
      const path = spec.origin === "caller" ? spec.path : adoptedPath(spec.path, spec.path_in_folder, this.options.workflowFolders);
      const source: WorkflowSource = { file: JSON.parse(spec.file_json) as WorkflowFile, ...(path === undefined ? {} : { path }), ...(spec.origin === undefined ? {} : { origin: spec.origin }) };
      const fromCaller = source.origin === "caller";
      if (fromCaller) enforceCallerPolicy(source.file, this.callerGrant(source), "the workflow");
      const plan = planFor(source.file, record.workflow_name, source.path);
      const timeoutMs = spec.deadline_ms === undefined ? undefined : spec.deadline_ms - Date.now();
      const resume = resumePointOf(plan, events, lostOwner);
      this.#launch({ executionId, source, deps: fromCaller ? this.#callerDeps : this.#deps, plan, mode: record.execution_mode, input: record.input, timeoutMs, budget: spec.budget, resume });
    } catch (error) {
      const info = toErrorInfo(error);
      fail(`${lostOwner} died, and resuming failed: ${info.message}`, info.hint ?? "start it again");
    }
  }

  /** An operator's file inside one of the node's workflow folders: where it sits there, for an adopter on another machine. */
  #pathInFolder(source: WorkflowSource): { path_in_folder?: string } {
    if (source.origin === "caller" || source.path === undefined) return {};
    const inside = pathInFolders(source.path, this.options.workflowFolders);
    return inside === undefined ? {} : { path_in_folder: inside };
  }

  /** What a caller's workflow is checked against; its sandbox is the folder of `source.path`, which it must have. */
  callerGrant(source: WorkflowSource): CallerGrant {
    if (source.path === undefined) throw new EngineError("WFX_CALLER_NO_SANDBOX", "a workflow sent by a caller needs a path in its sandbox folder", { hint: "give the source a path inside the caller's sandbox folder (the gateways do)" });
    return { policy: this.options.callerPolicy, sandboxDir: dirname(resolve(source.path)), nodeModelBaseUrl: nodeModelBaseUrl(this.options.env) };
  }

  /**
   * One step attempt another node's supervisor ordered, rebuilt from the order alone and run with this node's deps for
   * its origin; its workflow file counts as being in `baseDir` (a caller's must pass this node's caller policy there).
   */
  stepFromOrder(order: StepOrder, baseDir: string, options?: OrderedStepOptions): StepLogic {
    return stepFromOrder(order, baseDir, this.#orderNode, options);
  }

  /** Resolves once everything recorded so far is durable in the store (an acknowledged execution can be found after a crash). */
  persisted(): Promise<void> {
    return this.options.store.flush();
  }

  /** sync: resolves with the final record; async and isolated: with the record as started (status `running`). */
  async execute(request: ExecuteRequest): Promise<ExecutionRecord> {
    const started = this.start(request);
    if ((request.mode ?? "sync") === "sync") return started.done;
    return started.record;
  }

  async status(executionId: string): Promise<ExecutionRecord | undefined> {
    const record = this.recorder.peek(executionId) ?? (await this.options.store.getRecord(executionId));
    return record === undefined ? undefined : shownRecord(record);
  }

  #cancelLocal(executionId: string, reason: string): boolean {
    if (!this.recorder.isLive(executionId)) return false;
    const ref = this.#supervisors.get(executionId);
    if (ref) ref.tell({ type: "cancel", reason });
    else this.#isolated.cancel(executionId, reason);
    return true;
  }

  /** Cancels an execution run by this process, or by another process on this machine sharing the data dir. */
  async cancel(executionId: string, reason = "cancelled by request"): Promise<CancelResult> {
    if (this.#cancelLocal(executionId, reason)) {
      const record = await this.recorder.whenDone(executionId);
      return { execution_id: executionId, status: record.status, cancelled: record.status === "cancelled", message: record.status === "cancelled" ? "Execution cancelled" : `Execution had already ended: ${record.status}` };
    }
    // The stored record, resume spec included: it names the owner's incarnation, which liveness checks.
    const record = await this.options.store.getRecord(executionId);
    if (!record) return { execution_id: executionId, status: "not_found", cancelled: false, message: `No execution with id ${executionId}` };
    if (TERMINAL_STATUSES.has(record.status)) return { execution_id: executionId, status: record.status, cancelled: false, message: `Execution already ended: ${record.status}` };
    if (!this.options.ownerAlive(record)) return this.#cancelOrphan(record, reason);
    const final = await this.#crossProcess?.request(executionId, record, () => this.options.store.getRecord(executionId));
    if (final && final.status === "cancelled") return { execution_id: executionId, status: "cancelled", cancelled: true, message: "Execution cancelled" };
    return { execution_id: executionId, status: final?.status ?? record.status, cancelled: false, message: final ? `Execution ended: ${final.status}` : "The process running this execution did not answer; it may have died" };
  }

  /** Its owner died: claim it like an adopter would, then end it cancelled (nothing runs it to be stopped). */
  async #cancelOrphan(seen: ExecutionRecord, reason: string): Promise<CancelResult> {
    const executionId = seen.execution_id;
    const store = this.options.store;
    // The stored record, resume spec included: the claim names the next adoption generation.
    const stored = (await store.getRecord(executionId)) ?? seen;
    const claimed = await this.#claimOrphan(stored);
    if (claimed === undefined) {
      // Another process adopted it just now; ask it like any live owner.
      const current = await store.getRecord(executionId);
      return current === undefined || TERMINAL_STATUSES.has(current.status) ? { execution_id: executionId, status: current?.status ?? "not_found", cancelled: false, message: `Execution ended: ${current?.status}` } : this.cancel(executionId, reason);
    }
    const { record, events } = claimed;
    this.recorder.adopt(record, lastSeqOf(events));
    this.recorder.finishIfRunning(executionId, "execution.cancelled", toErrorInfo(new CancelledError(`${reason} (${ownerOf(stored)} had died)`)), Date.now());
    const final = await this.recorder.whenDone(executionId).catch(() => record);
    return { execution_id: executionId, status: final.status, cancelled: final.status === "cancelled", message: final.status === "cancelled" ? "Execution cancelled (its owner had died)" : `Execution had already ended: ${final.status}` };
  }

  /** See ExecutionClient.watch; a sink that says it is full pauses the follower, which catches up from the store (ExecutionFollower). */
  watch(executionId: string, afterSeq: number, listener: WatchListener, signal?: AbortSignal): Promise<ExecutionRecord | undefined> {
    const sink = typeof listener === "function" ? { write: (event: ExecutionEvent) => (listener(event), true), onDrain: () => {} } : listener;
    return new ExecutionFollower(this, executionId, afterSeq, sink).run(signal);
  }

  /** Stored records, each replaced by its live state while it runs here. */
  async list(query?: ListExecutionsQuery): Promise<ExecutionRecord[]> {
    return (await this.options.store.listRecords(query)).map((record) => shownRecord(this.recorder.peek(record.execution_id) ?? record));
  }

  events(executionId: string, afterSeq?: number): Promise<ExecutionEvent[]> {
    return this.options.store.getEvents(executionId, afterSeq);
  }

  /** Cancels what still runs here (so no record is left `running` forever), then closes the store. */
  async close(): Promise<void> {
    const endings = this.recorder.liveIds().map((id) => {
      this.#cancelLocal(id, "the runtime shut down");
      return this.recorder.whenDone(id);
    });
    await Promise.race([Promise.all(endings), new Promise((resolve) => setTimeout(resolve, this.options.isolated.killGraceMs).unref())]);
    this.#crossProcess?.close();
    await this.#isolated.close();
    await this.system.terminate();
    await this.options.store.close();
  }
}
