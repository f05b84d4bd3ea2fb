import { createActorSystem, type ActorSystem } from "../actors/index.js";
import { toErrorInfo } from "../errors.js";
import type { CallerGrant } from "./caller-policy.js";
import type { CancelResult, ExecuteRequest, ExecutionClient, StartedExecution, WatchListener, WorkflowSource } from "./execution-client.js";
import { ExecutionFollower } from "./execution-follower.js";
import { ExecutionLauncher } from "./execution-launcher.js";
import type { ExecutionLocator } from "./execution-locator.js";
import { openExecution, type OpenedExecution } from "./execution-opening.js";
import { LocalExecutionLocator } from "./local-locator.js";
import { OriginRules } from "./origin-rules.js";
import { OrphanAdoption, type Resumed } from "./orphan-adoption.js";
import { cancelExecution } from "./execution-cancel.js";
import { ExecutionStarter } from "./execution-starter.js";
import { recoverQueued, takeUpQueued, type Requeue } from "./queued-recovery.js";
import { ExecutionRecorder, type EventListener } from "./recorder.js";
import { resolveRuntimeOptions, type RuntimeOptions, type RuntimeOptionsInput } from "./runtime-options.js";
import type { StepLogic } from "./step-actor.js";
import { stepFromOrder, type OrderedStepOptions } from "./step-from-order.js";
import type { StepOrder } from "./step-order.js";
import type { ExecutionEvent, ExecutionRecord, ExecutionStore, ListExecutionsQuery } from "./types.js";
import { given } from "../present.js";

export { defaultWorkflowName } from "./execution-opening.js";

/** A record as callers see it: without the resume spec, which is for an adopting node only. */
function shownRecord(record: ExecutionRecord): ExecutionRecord {
  if (record.resume === undefined) return record;
  const { resume: _resume, ...shown } = record;
  return shown;
}

/**
 * One node's execution engine, a facade over parts with one job each: opening a request (execution-opening.ts),
 * starting it (execution-starter.ts), running it here or isolated (execution-launcher.ts), knowing where it runs
 * (local-locator.ts), cancelling it there (execution-cancel.ts), the rules by origin (origin-rules.ts), adopting
 * orphans (orphan-adoption.ts) and running steps other nodes order (step-from-order.ts).
 */
export class Runtime implements ExecutionClient {
  readonly options: Readonly<RuntimeOptions>;
  readonly system: ActorSystem;
  readonly recorder: ExecutionRecorder;
  /** Where this engine's executions run: here, isolated, another process sharing the store, or nowhere. */
  readonly locator: ExecutionLocator;
  readonly #launcher: ExecutionLauncher;
  readonly #rules: OriginRules;
  readonly #orphans: OrphanAdoption;
  readonly #starter: ExecutionStarter;

  constructor(options: RuntimeOptionsInput) {
    this.options = resolveRuntimeOptions(options);
    const o = this.options;
    this.recorder = new ExecutionRecorder(o.store, (record) => this.#launcher.abandon(record), o.prices);
    this.system = createActorSystem({ id: o.nodeId, onError: (error, address) => this.#onActorError(error, address) });
    this.#rules = new OriginRules(o, { system: this.system, tools: o.tools, node: o.nodeId, env: o.env, agentOptions: o.agents, limiter: o.modelRateLimiter, limits: o.limits, workflowFolders: o.workflowFolders, ...given({ stepHost: o.stepHost }) });
    this.#launcher = new ExecutionLauncher(this.system, this.recorder, o);
    this.locator = new LocalExecutionLocator(this.recorder, this.#launcher, o.store, o.ownerAlive);
    this.#orphans = new OrphanAdoption(o, this.recorder, this.#launcher, this.#rules);
    this.#starter = new ExecutionStarter(o, this.recorder, this.#launcher, this.#rules);
    // A stale owner (paused or cut off past detection) stops what another node adopted; the store refuses its writes already.
    o.store.onFenced?.((executionId, reason) => {
      this.#launcher.cancel(executionId, `fenced: ${reason}`);
      this.recorder.relinquish(executionId);
    });
  }

  /** A supervisor that crashed (a bug, never a step failure) must still end its execution rather than leave it running forever. */
  #onActorError(error: unknown, address: string): void {
    const executionId = address.slice(address.lastIndexOf("/") + 1);
    const info = toErrorInfo(error);
    this.recorder.finishIfRunning(executionId, "execution.failed", { code: "WFX_INTERNAL", message: `the execution supervisor crashed: ${info.message}`, hint: "this is a bug in the runtime; please report it with the workflow" }, Date.now());
  }

  get workflowFolders(): readonly string[] {
    return this.options.workflowFolders;
  }

  get store(): ExecutionStore {
    return this.options.store;
  }

  /**
   * Makes a request concrete (environment, overrides, plan, budget) without starting it: a cluster decides where first.
   * `checkOrigin: false` leaves the caller policy to whichever node starts it (start checks it then).
   */
  open(request: ExecuteRequest, options: { checkOrigin?: boolean } = {}): OpenedExecution {
    const check = options.checkOrigin === false ? undefined : (source: WorkflowSource) => this.#rules.check(source);
    return openExecution(request, { env: this.options.env, callerPolicy: this.options.callerPolicy, ...given({ check }) });
  }

  /** Starts an execution (a request, or one already opened) and returns at once with its id; `done` resolves with the final record. */
  start(request: ExecuteRequest | OpenedExecution): StartedExecution {
    const opened = "plan" in request ? request : this.open(request);
    if (!opened.checked) this.#rules.check(opened.source);
    return this.#starter.start(opened);
  }

  /** Adopts every execution whose owning process died (see OrphanAdoption); returns the ids adopted. */
  recoverOrphans(resumed?: Resumed): Promise<string[]> {
    return this.#orphans.recover(resumed);
  }

  /** Puts the queued executions of processes that died (this node before its restart) back in line through `requeue`. */
  recoverQueued(requeue: Requeue): Promise<string[]> {
    return recoverQueued(this.options, this.recorder, this.#launcher, this.#rules, requeue);
  }

  async releaseQueued(executionId: string): Promise<boolean> {
    if (!this.#launcher.release(executionId)) return false;
    await this.options.store.flush();
    return true;
  }

  takeQueued(record: ExecutionRecord, requeue: Requeue): Promise<boolean> {
    return takeUpQueued(this.options, this.recorder, this.#launcher, this.#rules, requeue, record);
  }

  /** What a caller's workflow is checked against; its sandbox is the folder of `source.path`, which it must have. */
  callerGrant(source: WorkflowSource): CallerGrant {
    return this.#rules.grant(source);
  }

  /**
   * One step attempt another node's supervisor ordered, rebuilt from the order alone and run with this node's deps for
   * its origin; its workflow file counts as being in `baseDir` (a caller's must pass this node's caller policy there).
   */
  stepFromOrder(order: StepOrder, baseDir: string, options?: OrderedStepOptions): StepLogic {
    return stepFromOrder(order, baseDir, this.#rules, options);
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

  /** Cancels an execution wherever the locator finds it: run by this process, by another sharing the data dir, or by nobody. */
  cancel(executionId: string, reason = "cancelled by request"): Promise<CancelResult> {
    return cancelExecution(executionId, reason, { locator: this.locator, launcher: this.#launcher, recorder: this.recorder, orphans: this.#orphans, store: this.options.store });
  }

  /** Live events of an execution this process runs, from now on; undefined when it does not run it. */
  listenLive(executionId: string, listener: EventListener, onMoved?: () => void): (() => void) | undefined {
    return this.recorder.listen(executionId, listener, onMoved);
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
    // A queued execution stays queued (it never started): the next start of a node on this store takes it up again.
    const endings = this.recorder.liveIds().filter((id) => !this.#launcher.isHeld(id)).map((id) => {
      this.#launcher.cancel(id, "the runtime shut down");
      return this.recorder.whenDone(id);
    });
    await Promise.race([Promise.all(endings), new Promise((resolve) => setTimeout(resolve, this.options.isolated.killGraceMs).unref())]);
    await this.#launcher.close();
    await this.system.terminate();
    await this.options.store.close();
  }
}
