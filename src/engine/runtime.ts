import { randomUUID } from "node:crypto";
import { createActorSystem, type ActorRef, type ActorSystem } from "../actors/index.js";
import { dirname, resolve } from "node:path";
import { adjustWorkflowFile, nodeModelBaseUrl, resolveAgentEndpoint, resolveCallerAgentEndpoint, type WorkflowFile } from "../config/index.js";
import { endpointsFor } from "../agents/index.js";
import { toErrorInfo } from "../errors.js";
import { ExecutionFollower } from "./execution-follower.js";
import { EngineError } from "./errors.js";
import type { SupervisorMessage } from "./execution-supervisor.js";
import { ExecutionRecorder, type EventListener } from "./recorder.js";
import { IsolatedLauncher } from "./isolated/launcher.js";
import { resolveRuntimeOptions, type RuntimeOptions, type RuntimeOptionsInput } from "./runtime-options.js";
import { planFor, supervisorFor, type ServiceDeps } from "./services.js";
import { CrossProcessCancel } from "./cross-process-cancel.js";
import { enforceCallerPolicy, type CallerGrant } from "./caller-policy.js";
import { TERMINAL_STATUSES, type ExecutionEvent, type ExecutionMode, type ExecutionRecord } from "./types.js";

/** A workflow file already loaded and validated, and where it came from (function modules resolve against it). */
export interface WorkflowSource {
  file: WorkflowFile;
  path?: string;
  /**
   * `caller`: sent over the network (inline, generated), so it runs under the operator's caller policy, with an empty
   * environment, in the folder of `path` (its sandbox). `operator` (the default): a file the node's operator wrote.
   */
  origin?: "operator" | "caller";
}

export interface ExecuteRequest {
  source: WorkflowSource;
  /** Defaults to the file's only workflow, else its first. */
  workflowName?: string;
  input?: unknown;
  mode?: ExecutionMode;
  /** Seconds; overrides the workflow's own `timeout`. */
  timeoutS?: number;
  /** Aborting it cancels the execution (a sync caller going away, say). */
  signal?: AbortSignal;
  /** Sees every event from the first on. */
  onEvent?: EventListener;
  /** `development` / `staging` / `production`: that section of the file is laid over it; default `$WFX_ENV`. */
  environment?: string;
  /** Deep-merged onto the file's agents, tools or workflows for this execution only (`{agents: {a: {model: …}}}`). */
  configOverride?: unknown;
  /**
   * The id to give the execution (default: a fresh UUID). A caller that must know the id before the first step runs
   * (steps may start before `start` returns) makes one with `randomUUID()`; an id already running is refused.
   */
  executionId?: string;
  /** Who starts it (a gateway passes the caller's token id); kept in the record as `started_by`. */
  startedBy?: string;
}

export interface CancelResult {
  execution_id: string;
  status: ExecutionRecord["status"] | "not_found";
  cancelled: boolean;
  message: string;
}

/** Why the steps of an execution that could not be recorded were cancelled. */
const UNRECORDED = "the execution could not be recorded";

export function defaultWorkflowName(file: WorkflowFile): string {
  const names = Object.keys(file.workflows);
  if (names.length === 0) throw new EngineError("WFX_NO_WORKFLOWS", "the file defines no workflows", { hint: "add a `workflows:` section" });
  return names[0]!;
}

/** One node's execution runtime: starts executions in any mode, answers status, cancels, and streams events. */
export class Runtime {
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

  constructor(options: RuntimeOptionsInput) {
    this.options = resolveRuntimeOptions(options);
    this.recorder = new ExecutionRecorder(this.options.store, (record) => this.#abandon(record));
    this.system = createActorSystem({ id: this.options.nodeId, onError: (error, address) => this.#onActorError(error, address) });
    this.#deps = { system: this.system, tools: this.options.tools, node: this.options.nodeId, env: this.options.env, agentOptions: this.options.agents, limits: this.options.limits };
    const { env, callerPolicy } = this.options;
    this.#callerDeps = { ...this.#deps, env: {}, caller: callerPolicy, endpointOf: (agent) => resolveCallerAgentEndpoint(agent, env, callerPolicy.model_endpoints) };
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
  start(request: ExecuteRequest): { executionId: string; record: ExecutionRecord; done: Promise<ExecutionRecord> } {
    const environment = request.environment ?? this.options.env["WFX_ENV"];
    const file = adjustWorkflowFile(request.source.file, { environment, configOverride: request.configOverride }, request.source.path);
    const source: WorkflowSource = file === request.source.file ? request.source : { ...request.source, file };
    const fromCaller = source.origin === "caller";
    if (fromCaller) enforceCallerPolicy(source.file, this.callerGrant(source), "the workflow");
    const deps = fromCaller ? this.#callerDeps : this.#deps;
    const workflowName = request.workflowName ?? defaultWorkflowName(source.file);
    const plan = planFor(source.file, workflowName, source.path);
    const mode = request.mode ?? "sync";
    const executionId = request.executionId ?? randomUUID();
    if (this.recorder.isLive(executionId)) throw new EngineError("WFX_DUPLICATE_EXECUTION_ID", `an execution with id ${executionId} is already running`, { hint: "leave executionId out, or pass a fresh randomUUID()" });
    const timeoutS = request.timeoutS ?? (plan.timeoutMs === undefined ? this.options.defaultTimeoutS : plan.timeoutMs / 1000);
    const timeoutMs = timeoutS === undefined ? undefined : timeoutS * 1000;
    const record = this.recorder.begin({
      executionId,
      workflowName,
      mode,
      node: this.options.nodeId,
      stepIds: plan.steps.map((s) => s.id),
      startMs: Date.now(),
      pid: process.pid,
      // A caller's workflow lives in a sandbox folder on this node: that path is nothing the caller should see.
      ...(source.path === undefined || fromCaller ? {} : { workflowFile: source.path }),
      ...(request.input === undefined ? {} : { input: request.input }),
      ...(request.startedBy === undefined ? {} : { startedBy: request.startedBy }),
    });
    if (request.onEvent) this.recorder.listen(executionId, request.onEvent);
    const done = this.recorder.whenDone(executionId);
    if (mode === "isolated") {
      const agentEndpoints = endpointsFor(source.file, deps.endpointOf ?? ((agent) => resolveAgentEndpoint(agent, deps.env)));
      this.#isolated.launch({ executionId, file: source.file, filePath: source.path, workflowName, input: request.input, timeoutMs, env: deps.env, agentEndpoints, agentOptions: this.options.agents, limits: this.options.limits, ...(deps.caller === undefined ? {} : { caller: deps.caller }) });
    } else {
      const ref = this.system.spawn(
        supervisorFor(deps, { executionId, plan, input: request.input, reporter: this.recorder.reporter(executionId), timeoutMs }),
        { name: executionId },
      );
      if (this.#abandonedInSpawn.delete(executionId)) ref.tell({ type: "cancel", reason: UNRECORDED });
      this.#supervisors.set(executionId, ref);
      void done.then(() => this.#supervisors.delete(executionId));
    }
    this.#crossProcess?.own(executionId, done);
    if (request.signal) {
      const onAbort = () => void this.#cancelLocal(executionId, "the caller went away");
      request.signal.addEventListener("abort", onAbort, { once: true });
      void done.then(() => request.signal!.removeEventListener("abort", onAbort));
    }
    return { executionId, record, done };
  }

  /** What a caller's workflow is checked against; its sandbox is the folder of `source.path`, which it must have. */
  callerGrant(source: WorkflowSource): CallerGrant {
    if (source.path === undefined) throw new EngineError("WFX_CALLER_NO_SANDBOX", "a workflow sent by a caller needs a path in its sandbox folder", { hint: "give the source a path inside the caller's sandbox folder (the gateways do)" });
    return { policy: this.options.callerPolicy, sandboxDir: dirname(resolve(source.path)), nodeModelBaseUrl: nodeModelBaseUrl(this.options.env) };
  }

  /** sync: resolves with the final record; async and isolated: with the record as started (status `running`). */
  async execute(request: ExecuteRequest): Promise<ExecutionRecord> {
    const started = this.start(request);
    if ((request.mode ?? "sync") === "sync") return started.done;
    return started.record;
  }

  async status(executionId: string): Promise<ExecutionRecord | undefined> {
    return this.recorder.peek(executionId) ?? (await this.options.store.getRecord(executionId));
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
    const record = await this.status(executionId);
    if (!record) return { execution_id: executionId, status: "not_found", cancelled: false, message: `No execution with id ${executionId}` };
    if (TERMINAL_STATUSES.has(record.status)) return { execution_id: executionId, status: record.status, cancelled: false, message: `Execution already ended: ${record.status}` };
    const final = await this.#crossProcess?.request(executionId, record, () => this.options.store.getRecord(executionId));
    if (final && final.status === "cancelled") return { execution_id: executionId, status: "cancelled", cancelled: true, message: "Execution cancelled" };
    return { execution_id: executionId, status: final?.status ?? record.status, cancelled: false, message: final ? `Execution ended: ${final.status}` : "The process running this execution did not answer; it may have died" };
  }

  /**
   * Past events after `afterSeq`, then live ones until the end, in order and without gaps; resolves with the final
   * record (or the current one if `signal` stops it first). A listener that cannot keep up should use ExecutionFollower
   * with a sink that says when it is full. Rejects with WFX_EXECUTION_NOT_FOUND for an unknown id.
   */
  watch(executionId: string, afterSeq: number, listener: (event: ExecutionEvent) => void, signal?: AbortSignal): Promise<ExecutionRecord | undefined> {
    const sink = { write: (event: ExecutionEvent) => (listener(event), true), onDrain: () => {} };
    return new ExecutionFollower(this, executionId, afterSeq, sink).run(signal);
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
