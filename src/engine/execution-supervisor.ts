import type { ActorContext, ActorLogic, Signal } from "../actors/index.js";
import type { ExecutionSpec } from "./execution-spec.js";
import type { TemplateScope } from "../config/index.js";
import { toErrorInfo } from "../errors.js";
import { CancelledError, EngineError, ExecutionTimeoutError, stepErrorOf } from "./errors.js";
import { fromFanOut } from "./fan-out-actor.js";
import type { PlannedStep } from "./plan.js";
import type { StepReport } from "./step-actor.js";
import type { StepOrder } from "./step-order.js";
import type { ResumePoint } from "./resume-point.js";
import type { ExecutionEvent, ExecutionEventType } from "./types.js";
import { stepStartedData } from "./step-started-data.js";
import { DONE, FAILED, initialState, RUNNING, WAITING, type SupervisorState } from "./supervisor-state.js";
import { executionTrace, settleSpan } from "./trace-spans.js";
import { addAttempt, countedWork, mergeUsage, round3, worthRecording, type StepUsage } from "./usage.js";

export type { ExecutionSpec } from "./execution-spec.js";

export type SupervisorMessage = StepReport | { type: "cancel"; reason?: string } | { type: "execution_timeout" };

function forEachTooLong(stepId: string, length: number, max: number): EngineError {
  return new EngineError("WFX_FOR_EACH_TOO_LONG", `for_each of step '${stepId}' gave ${length} items; a for_each may have at most ${max} (the node's maxForEachItems)`, {
    hint: "split the list into batches (a sub-workflow per batch), or raise maxForEachItems on the node",
  });
}

/** execution.progress goes out at most this often: each step.completed already marks a step done, the summary need not. */
const PROGRESS_INTERVAL_MS = 100;

/** What an event says besides its type: the step and attempt it is about, and its data. */
interface EventDetail {
  step?: string;
  attempt?: number;
  data?: unknown;
}

/** One actor per execution: starts steps whose inputs are ready, supervises them, records every change as an event. */
export function fromExecution(spec: ExecutionSpec): ActorLogic<SupervisorState, SupervisorMessage> {
  const { plan, executionId } = spec;
  const total = plan.steps.length;
  const stepOutput = (state: SupervisorState) => (id: string) => state.outputs[plan.stepIndex.get(id) ?? -1];

  function emit(state: SupervisorState, ctx: ActorContext<SupervisorMessage>, type: ExecutionEventType, detail: EventDetail = {}): void {
    const event: ExecutionEvent = { execution_id: executionId, seq: ++state.seq, type, time: ctx.system.clock.now() };
    if (detail.step !== undefined) event.step = detail.step;
    if (detail.attempt !== undefined) event.attempt = detail.attempt;
    if (detail.data !== undefined) event.data = detail.data;
    spec.reporter.tell(event);
  }

  function scopeFor(state: SupervisorState, step: PlannedStep): TemplateScope {
    return {
      input: spec.input,
      stepOutput: stepOutput(state),
      previousOutput: step.previous === undefined ? undefined : state.outputs[step.previous],
      env: spec.env,
    };
  }

  /** The order for one attempt of `step` (of one iteration of a fan-out, with `iteration`). */
  function orderOf(state: SupervisorState, step: PlannedStep, input: unknown, slot: number, attempt: number, iteration?: { item: unknown; index: number }): StepOrder {
    const order: StepOrder = { executionId, stepId: step.id, slot, action: step.actionData, input, attempt, timeoutMs: step.timeoutMs, deadlineMs: state.deadlineMs, placement: step.placement, workflow: spec.workflow };
    if (state.trace !== undefined) Object.assign(order, state.trace);
    if (spec.priority !== undefined) order.priority = spec.priority;
    if (iteration !== undefined) {
      order.item = iteration.item;
      order.index = iteration.index;
    }
    return order;
  }

  function launch(state: SupervisorState, ctx: ActorContext<SupervisorMessage>, step: PlannedStep): void {
    const scope = scopeFor(state, step);
    let input: unknown;
    let items: unknown;
    try {
      if (step.when && !step.when.evaluate(scope)) {
        emit(state, ctx, "step.skipped", { step: step.id });
        return complete(state, ctx, step.index, undefined, { skipped: true });
      }
      if (step.forEach) {
        items = step.forEach.evaluate(scope);
        if (!Array.isArray(items)) {
          throw new EngineError("WFX_FOR_EACH_NOT_LIST", `for_each of step '${step.id}' gave ${typeof items}, not a list`, {
            hint: "point for_each at a list, e.g. `for_each: ${input.files}`",
          });
        }
        if (items.length > spec.maxForEachItems) throw forEachTooLong(step.id, items.length, spec.maxForEachItems);
      } else {
        input = step.input.evaluate(scope);
        spec.allowance.take(step.id);
      }
    } catch (error) {
      return stepFailed(state, ctx, step.index, error);
    }
    state.phase[step.index] = RUNNING;
    state.inputs[step.index] = step.forEach ? items : input;
    const { supervision } = step;
    const ref = step.forEach
      ? ctx.spawn(
          fromFanOut({
            slot: step.index,
            items: items as unknown[],
            concurrency: step.concurrency,
            supervision,
            host: spec.host,
            take: () => spec.allowance.take(step.id),
            iteration: (item, index) => orderOf(state, step, step.input.evaluate({ ...scope, item, index }), index, 1, { item, index }),
          }),
          { name: step.id },
        )
      : spec.host.spawnStep(ctx, orderOf(state, step, input, step.index, state.attemptsBefore[step.index]! + 1), { name: step.id, supervision });
    state.children.set(ref, step.index);
  }

  function resultOf(state: SupervisorState): unknown {
    const toUser = plan.steps.filter((s) => s.toUser && state.phase[s.index] === DONE);
    if (toUser.length === 1) return state.outputs[toUser[0]!.index];
    if (toUser.length > 1) return Object.fromEntries(toUser.map((s) => [s.id, state.outputs[s.index]]));
    for (let i = total - 1; i >= 0; i--) if (state.outputs[i] !== undefined) return state.outputs[i];
    return undefined;
  }

  /** Step `index` ended with `output` (`skipped`: its `when` was false), having used `usage`. */
  function complete(state: SupervisorState, ctx: ActorContext<SupervisorMessage>, index: number, output: unknown, { skipped = false, usage }: { skipped?: boolean; usage?: StepUsage | undefined } = {}): void {
    if (usage !== undefined) {
      mergeUsage(state.usage, usage);
      // Counts from a step run elsewhere reach the budget only now; steps run here were stopped by the meter already.
      const over = countedWork(usage) && spec.meter !== undefined ? spec.meter.overBy(state.usage) : undefined;
      if (over !== undefined) return stepFailed(state, ctx, index, over, { usage, counted: true });
    }
    state.phase[index] = DONE;
    state.outputs[index] = output;
    state.completed++;
    // A no-op step's timings stay out of its event (and record); its execution's totals have them.
    if (!skipped) emit(state, ctx, "step.completed", { step: plan.steps[index]!.id, data: usage === undefined || !worthRecording(usage) ? { output } : { output, usage } });
    if (state.completed === total) return finish(state, ctx, "execution.completed", { result: resultOf(state) });
    const now = ctx.system.clock.now();
    if (now - state.progressMs >= PROGRESS_INTERVAL_MS) {
      state.progressMs = now;
      emit(state, ctx, "execution.progress", { data: { completed_steps: state.completed, total_steps: total } });
    }
    for (const dependent of plan.steps[index]!.dependents) {
      if (--state.waitingOn[dependent]! === 0 && !state.finished) launch(state, ctx, plan.steps[dependent]!);
    }
  }

  /** The crashed attempt's usage of step `index`, taken for the event that reports the crash. */
  function takeCrashed(state: SupervisorState, index: number): { usage?: StepUsage } {
    const usage = state.crashedAttempt[index];
    state.crashedAttempt[index] = undefined;
    return usage === undefined ? {} : { usage };
  }

  /** Step `index` failed, and with it the execution; `counted`: its `usage` is in the execution's totals already. */
  function stepFailed(state: SupervisorState, ctx: ActorContext<SupervisorMessage>, index: number, error: unknown, { usage, counted = false }: { usage?: StepUsage | undefined; counted?: boolean } = {}): void {
    state.phase[index] = FAILED;
    const step = plan.steps[index]!;
    const info = toErrorInfo(error);
    if (usage !== undefined && !counted) mergeUsage(state.usage, usage);
    usage ??= takeCrashed(state, index).usage;
    emit(state, ctx, "step.failed", { step: step.id, data: { error: info, status: info.code === "WFX_STEP_TIMEOUT" ? "timeout" : "failed", ...(usage === undefined ? {} : { usage }) } });
    const cause = { code: info.code, message: `step '${step.id}' failed: ${info.message}`, ...(info.hint === undefined ? {} : { hint: info.hint }) };
    finish(state, ctx, "execution.failed", { error: cause });
  }

  function finish(state: SupervisorState, ctx: ActorContext<SupervisorMessage>, type: ExecutionEventType, data: Record<string, unknown>): void {
    if (state.finished) return;
    state.finished = true;
    state.usage.wall_ms = round3(ctx.system.clock.now() - state.startedMs);
    state.usage.cpu_ms = round3(state.usage.cpu_ms ?? 0);
    data["usage"] = state.usage;
    settleSpan(state.span!, type.slice(10), data["error"] as { code: string; message: string } | undefined);
    emit(state, ctx, type, { data });
    ctx.stop();
  }

  /**
   * Continues an adopted execution: completed steps keep their outputs and never run again; a step the dead owner was
   * running starts over when it may run again (`rerunnable`), else it fails the execution naming the crash.
   */
  function resume(state: SupervisorState, ctx: ActorContext<SupervisorMessage>, point: ResumePoint): void {
    state.seq = point.lastSeq;
    mergeUsage(state.usage, point.usage);
    const skipped = new Set(point.skipped);
    for (const [index, output] of point.done) {
      state.phase[index] = DONE;
      state.outputs[index] = output;
      state.completed++;
    }
    for (const [index, attempts] of point.attempts) state.attemptsBefore[index] = attempts;
    for (const step of plan.steps) state.waitingOn[step.index] = step.deps.filter((d) => state.phase[d] !== DONE).length;
    const rerun = point.inFlight.filter((i) => plan.steps[i]!.rerunnable);
    const lost = point.inFlight.filter((i) => !plan.steps[i]!.rerunnable);
    const ids = (indexes: readonly number[]) => indexes.map((i) => plan.steps[i]!.id);
    emit(state, ctx, "execution.resumed", { data: { node: spec.node, pid: process.pid, lost_owner: point.lostOwner, completed: ids(point.done.map(([i]) => i).filter((i) => !skipped.has(i))), rerun: ids(rerun), not_rerun: ids(lost), ...state.trace } });
    if (lost.length > 0) {
      const step = plan.steps[lost[0]!]!;
      return stepFailed(state, ctx, step.index, new EngineError("WFX_RESUME_STEP_INTERRUPTED", `${point.lostOwner} died while step '${step.id}' was running; the step is not marked safe to run again, so it was not`, {
        hint: "if the step may run twice, mark it `idempotent: true` (or give it `retry:`); then an adopting node runs it again",
      }));
    }
    if (state.completed === total) return finish(state, ctx, "execution.completed", { result: resultOf(state) });
    for (const step of plan.steps) if (state.phase[step.index] === WAITING && state.waitingOn[step.index] === 0 && !state.finished) launch(state, ctx, step);
  }

  return {
    start(ctx) {
      const startedMs = ctx.system.clock.now();
      const state = initialState(plan, spec.timeoutMs, startedMs);
      Object.assign(state, executionTrace(executionId, plan.workflowName, spec.node, spec.resume?.trace ?? spec.trace, spec.resume !== undefined));
      if (spec.afterSeq !== undefined) state.seq = spec.afterSeq;
      if (spec.timeoutMs !== undefined) ctx.scheduleOnce(Math.max(0, spec.timeoutMs), { type: "execution_timeout" });
      if (spec.resume !== undefined) {
        resume(state, ctx, spec.resume);
        return state;
      }
      emit(state, ctx, "execution.started", { data: { node: spec.node, pid: process.pid, total_steps: total, graph: plan.graph, ...state.trace } });
      for (const step of plan.steps) if (step.deps.length === 0 && !state.finished) launch(state, ctx, step);
      return state;
    },
    receive(state, message, ctx) {
      if (state.finished) return state;
      switch (message.type) {
        case "step_started": {
          const step = plan.steps[message.slot]!;
          emit(state, ctx, "step.started", { step: step.id, attempt: message.attempt, data: stepStartedData(message.node ?? spec.node, state.inputs[message.slot], step.forEach !== undefined) });
          break;
        }
        case "step_output":
          complete(state, ctx, message.slot, message.output, { usage: message.usage });
          break;
        case "step_failed":
          stepFailed(state, ctx, message.slot, stepErrorOf(message.error), { usage: message.usage });
          break;
        case "step_progress":
          emit(state, ctx, "step.progress", { step: plan.steps[message.slot]!.id, data: message.data });
          break;
        case "step_usage":
          mergeUsage(state.usage, message.usage);
          state.crashedAttempt[message.slot] = addAttempt(state.crashedAttempt[message.slot], message.usage);
          break;
        case "step_retrying":
          emit(state, ctx, "step.retrying", {
            step: plan.steps[message.slot]!.id,
            attempt: message.attempt,
            data: { error: toErrorInfo(message.error), delay_ms: message.delayMs, ...(message.iteration === undefined ? {} : { iteration: message.iteration }) },
          });
          break;
        case "cancel":
          finish(state, ctx, "execution.cancelled", { error: toErrorInfo(new CancelledError(message.reason)) });
          break;
        case "execution_timeout":
          finish(state, ctx, "execution.timeout", { error: toErrorInfo(new ExecutionTimeoutError(spec.timeoutMs!)) });
          break;
      }
      return state;
    },
    stopped(state) {
      state.span?.end();
    },
    onSignal(state, signal: Signal, ctx) {
      const index = state.children.get(signal.ref);
      if (index === undefined || state.finished) return state;
      const step = plan.steps[index]!;
      if (signal.type === "child_restarting") {
        emit(state, ctx, "step.retrying", { step: step.id, attempt: signal.attempt, data: { error: toErrorInfo(signal.error), delay_ms: signal.delayMs, ...takeCrashed(state, index) } });
        return state;
      }
      state.children.delete(signal.ref);
      if (signal.error !== undefined && state.phase[index] === RUNNING) stepFailed(state, ctx, index, signal.error, { counted: true });
      return state;
    },
  };
}
