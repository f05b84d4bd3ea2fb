import type { ActorContext, ActorLogic, ActorRef } from "../actors/index.js";
import { EngineError, isRetryable, StepTimeoutError, toStepErrorInfo } from "./errors.js";
import type { StepAction } from "./plan.js";
import { isThenable, runAction, type FunctionStepContext, type StepServices } from "./step-kinds.js";
import type { StepOrder } from "./step-order.js";
import { settleSpan, startStepSpan } from "./trace-spans.js";
import { activeTracer } from "../observability/active-tracer.js";
import type { TraceContext } from "../observability/trace-context.js";
import type { Span } from "../observability/tracer.js";
import { emptyUsage, processCpuMs, round3, type StepUsage, type Usage } from "./usage.js";

/**
 * What a step actor tells its parent (the execution supervisor, or a fan-out actor for `for_each`). `dispatch`: the
 * order's, so a placed step's stand-in drops the reports of a dispatch it gave up on (its node was lost, then woke).
 */
export type StepReport = { dispatch?: string } & (
  /** `node`: where the step runs, when not on the supervisor's own node. */
  | { type: "step_started"; slot: number; attempt: number; node?: string }
  /** `usage`: what the attempt used, as data (it may come from another node). */
  | { type: "step_output"; slot: number; output: unknown; usage?: StepUsage }
  /** A failure that retrying cannot fix (e.g. bad tool arguments); retryable failures crash the actor instead. */
  | { type: "step_failed"; slot: number; error: unknown; usage?: StepUsage }
  | { type: "step_progress"; slot: number; data: unknown }
  /** What an attempt that is about to fail and be retried (or time out) used: its tokens were spent all the same. */
  | { type: "step_usage"; slot: number; usage: StepUsage }
  /** Sent by a fan-out actor when one of its iterations is about to be retried. */
  | { type: "step_retrying"; slot: number; attempt: number; error: unknown; delayMs: number; iteration?: number });

/** Tells the step's parent, naming the order's dispatch when it has one. */
function tell(parent: ActorRef<StepReport>, order: StepOrder, report: StepReport): void {
  parent.tell(order.dispatch === undefined ? report : { ...report, dispatch: order.dispatch });
}

/** How an attempt ended, as data: its last report, or the error it crashed on (which supervision may retry). */
export type StepOutcome = { report: StepReport & { type: "step_output" | "step_failed" } } | { crashed: ReturnType<typeof toStepErrorInfo> };

/** One step order as this node runs it: the order, its action resolved here, and the services of its workflow here. */
export interface StepRun {
  order: StepOrder;
  action: StepAction;
  services: StepServices;
  /** For a step another node ordered: the most its output may take as JSON to travel back (absent: no bound). */
  maxOutputBytes?: number | undefined;
  /** Told how the attempt ended, before its parent is: a node keeps a placed step's outcome until its supervisor has it. */
  onEnd?: ((outcome: StepOutcome) => void) | undefined;
}

type StepMessage = { type: "done"; value: unknown } | { type: "error"; error: unknown } | { type: "timeout" };

/** When an attempt started and how much CPU its synchronous part took: what its usage's timings come from. */
interface AttemptClock {
  startedMs: number;
  syncCpuMs: number;
  /** Process CPU when the step went asynchronous (undefined: it finished synchronously, no syscall needed). */
  asyncFromCpuMs: number | undefined;
  context: StepContext;
  /** The attempt's span (the no-op one when tracing is off), ended when the actor stops. */
  span: Span;
}

export type StepLogic = ActorLogic<AttemptClock, StepMessage>;

/**
 * The attempt's usage: what its services counted, wall time, and CPU time. A synchronous step holds the thread, so its
 * wall time is its CPU time (two cheap clock reads); an asynchronous one adds the process's CPU while it waited.
 */
function usageOf(clock: AttemptClock): StepUsage {
  // A synchronous step's wall time is the time its function held the thread: no third clock read.
  const wallMs = clock.asyncFromCpuMs === undefined ? clock.syncCpuMs : performance.now() - clock.startedMs;
  const cpuMs = clock.asyncFromCpuMs === undefined ? clock.syncCpuMs : clock.syncCpuMs + processCpuMs() - clock.asyncFromCpuMs;
  const counted = clock.context.usage;
  return counted === undefined ? { wall_ms: round3(wallMs), cpu_ms: round3(cpuMs) } : { ...counted, wall_ms: round3(wallMs), cpu_ms: round3(cpuMs) };
}

function finish(ctx: ActorContext<StepMessage>, report: StepReport & { type: "step_output" | "step_failed" }, run: StepRun, clock: AttemptClock): void {
  settleSpan(clock.span, report.type === "step_output" ? "completed" : "failed", report.type === "step_failed" ? (report.error as { code: string; message: string }) : undefined);
  run.onEnd?.({ report });
  tell(ctx.parent as ActorRef<StepReport>, run.order, report);
  ctx.stop();
}

/** Crashes the attempt (supervision retries it or fails the step), having said what it used first. */
function crash(run: StepRun, ctx: ActorContext<StepMessage>, error: unknown, clock: AttemptClock): void {
  const crashed = toStepErrorInfo(error);
  settleSpan(clock.span, "crashed", crashed);
  run.onEnd?.({ crashed });
  tell(ctx.parent as ActorRef<StepReport>, run.order, { type: "step_usage", slot: run.order.slot, usage: usageOf(clock) });
  ctx.fail(error);
}

/** Failures a retry cannot fix are reported, not crashed on, so supervision does not restart them. */
function failed(run: StepRun, ctx: ActorContext<StepMessage>, error: unknown, clock: AttemptClock): void {
  if (isRetryable(error)) crash(run, ctx, error, clock);
  // As data: the report may cross to a supervisor on another node, and the code, hint and retryable must arrive.
  else finish(ctx, { type: "step_failed", slot: run.order.slot, error: toStepErrorInfo(error), usage: usageOf(clock) }, run, clock);
}

/** What a step function gets; a class, so the hot path allocates one plain-shaped object per attempt. */
class StepContext implements FunctionStepContext {
  readonly attempt: number;
  readonly executionId: string;
  readonly stepId: string;
  readonly item: unknown;
  readonly index: number | undefined;
  readonly #slot: number;
  readonly #actor: ActorContext<StepMessage>;
  readonly #parent: ActorRef<StepReport>;
  readonly #order: StepOrder;
  /** Made only when a service counts something: a no-op step allocates nothing for it. */
  usage: Usage | undefined;
  trace: TraceContext | undefined;

  constructor(order: StepOrder, actor: ActorContext<StepMessage>, parent: ActorRef<StepReport>, trace: TraceContext | undefined) {
    this.attempt = order.attempt - 1 + actor.attempt;
    this.executionId = order.executionId;
    this.stepId = order.stepId;
    this.item = order.item;
    this.index = order.index;
    this.#slot = order.slot;
    this.#actor = actor;
    this.#parent = parent;
    this.#order = order;
    this.trace = trace;
  }

  /** Created on first use: most steps never look at it. */
  get signal(): AbortSignal {
    return this.#actor.signal;
  }

  /** A getter handing out a bound function: step functions destructure it (`{ progress }`). */
  get progress(): (data: unknown) => void {
    return (data) => tell(this.#parent, this.#order, { type: "step_progress", slot: this.#slot, data });
  }

  meterUsage(): Usage {
    return (this.usage ??= emptyUsage());
  }
}

/** The error for an output too large to travel back to the supervisor's node; undefined when it fits. */
function oversizeOutput(order: StepOrder, output: unknown, maxBytes: number): EngineError | undefined {
  const bytes = Buffer.byteLength(JSON.stringify(output) ?? "");
  if (bytes <= maxBytes) return undefined;
  return new EngineError("WFX_STEP_PAYLOAD_TOO_LARGE", `the output of step '${order.stepId}' is ${bytes} bytes as JSON, over the ${maxBytes} bytes a step's output may carry between nodes`, {
    hint: "return a smaller value (write a large result to a file or a store and return its path), or raise the NATS server's max_payload",
  });
}

/** One attempt of one step per incarnation: a restart by the parent's supervision is a retry. */
export function fromStep(run: StepRun): StepLogic {
  const { order } = run;
  return {
    start(ctx) {
      const parent = ctx.parent as ActorRef<StepReport>;
      const attempt = order.attempt - 1 + ctx.attempt;
      tell(parent, order, { type: "step_started", slot: order.slot, attempt, node: ctx.system.id });
      if (order.timeoutMs !== undefined) ctx.scheduleOnce(order.timeoutMs, { type: "timeout" });
      const span = startStepSpan(order, ctx.system.id, attempt);
      const stepCtx = new StepContext(order, ctx, parent, activeTracer().enabled ? span.context : undefined);
      const clock: AttemptClock = { startedMs: performance.now(), syncCpuMs: 0, asyncFromCpuMs: undefined, context: stepCtx, span };
      try {
        const result = runAction(run.action, order.input, stepCtx, run.services);
        clock.syncCpuMs = performance.now() - clock.startedMs;
        if (isThenable(result)) {
          clock.asyncFromCpuMs = processCpuMs();
          ctx.pipeToSelf(Promise.resolve(result), (value) => ({ type: "done", value }), (error) => ({ type: "error", error }));
        } else {
          ctx.self.tell({ type: "done", value: result });
        }
      } catch (error) {
        clock.syncCpuMs = performance.now() - clock.startedMs;
        ctx.self.tell({ type: "error", error });
      }
      return clock;
    },
    receive(state, message, ctx) {
      switch (message.type) {
        case "done": {
          const tooLarge = run.maxOutputBytes === undefined ? undefined : oversizeOutput(order, message.value, run.maxOutputBytes);
          if (tooLarge !== undefined) failed(run, ctx, tooLarge, state);
          else finish(ctx, { type: "step_output", slot: order.slot, output: message.value, usage: usageOf(state) }, run, state);
          break;
        }
        case "error":
          failed(run, ctx, message.error, state);
          break;
        case "timeout":
          crash(run, ctx, new StepTimeoutError(order.stepId, order.timeoutMs!), state);
          break;
      }
      return state;
    },
    stopped(state) {
      state?.span.end();
    },
  };
}
