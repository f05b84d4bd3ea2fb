import type { ActorContext, ActorLogic, ActorRef, Signal, SupervisionPolicy } from "../actors/index.js";
import { stepErrorOf } from "./errors.js";
import type { StepReport } from "./step-actor.js";
import type { StepHost } from "./step-host.js";
import type { StepOrder } from "./step-order.js";
import { emptyUsage, mergeUsage, round3, type StepUsage, type Usage } from "./usage.js";

/** A `for_each` step: one step actor per item, at most `concurrency` at a time; its output is the list of theirs, in order. */
export interface FanOutSpec {
  slot: number;
  items: readonly unknown[];
  concurrency: number;
  iteration(item: unknown, index: number): StepOrder;
  supervision: SupervisionPolicy;
  host: StepHost;
  /** Counts an iteration against the execution's step allowance; throws (failing the step) when it is spent. */
  take(): void;
}

interface FanOutState {
  next: number;
  running: number;
  done: number;
  outputs: unknown[];
  slots: Map<ActorRef, number>;
  failed: boolean;
  /** The iterations' usage, summed: the step's usage. */
  usage: Usage & StepUsage;
  startedMs: number;
}

/** Starts iterations up to the concurrency; returns the error when the execution's step allowance refused one. */
function launch(spec: FanOutSpec, state: FanOutState, ctx: ActorContext<StepReport>): unknown {
  while (state.running < spec.concurrency && state.next < spec.items.length) {
    try {
      spec.take();
    } catch (error) {
      return error;
    }
    const index = state.next++;
    const ref = spec.host.spawnStep(ctx, spec.iteration(spec.items[index], index), { name: `item-${index}`, supervision: spec.supervision });
    state.slots.set(ref, index);
    state.running++;
  }
  return undefined;
}

function report(ctx: ActorContext<StepReport>, message: StepReport): void {
  (ctx.parent as ActorRef<StepReport>).tell(message);
}

/** The iterations' counts and CPU, and the wall time of the whole fan-out. */
function usageOf(state: FanOutState): StepUsage {
  state.usage.wall_ms = round3(performance.now() - state.startedMs);
  state.usage.cpu_ms = round3(state.usage.cpu_ms);
  return state.usage;
}

function fail(spec: FanOutSpec, state: FanOutState, ctx: ActorContext<StepReport>, error: unknown): FanOutState {
  state.failed = true;
  report(ctx, { type: "step_failed", slot: spec.slot, error, usage: usageOf(state) });
  ctx.stop();
  return state;
}

export function fromFanOut(spec: FanOutSpec): ActorLogic<FanOutState, StepReport> {
  return {
    start(ctx) {
      report(ctx, { type: "step_started", slot: spec.slot, attempt: 1 });
      const state: FanOutState = { next: 0, running: 0, done: 0, outputs: new Array(spec.items.length), slots: new Map(), failed: false, usage: { ...emptyUsage(), wall_ms: 0, cpu_ms: 0 }, startedMs: performance.now() };
      if (spec.items.length === 0) {
        report(ctx, { type: "step_output", slot: spec.slot, output: [] });
        ctx.stop();
        return state;
      }
      const refused = launch(spec, state, ctx);
      return refused === undefined ? state : fail(spec, state, ctx, refused);
    },
    receive(state, message, ctx) {
      if (state.failed) return state;
      switch (message.type) {
        case "step_output":
          state.outputs[message.slot] = message.output;
          state.done++;
          mergeUsage(state.usage, message.usage);
          report(ctx, { type: "step_progress", slot: spec.slot, data: { iteration: message.slot, completed: state.done, total: spec.items.length } });
          if (state.done === spec.items.length) {
            report(ctx, { type: "step_output", slot: spec.slot, output: state.outputs, usage: usageOf(state) });
            ctx.stop();
          }
          break;
        case "step_failed":
          mergeUsage(state.usage, message.usage);
          return fail(spec, state, ctx, stepErrorOf(message.error));
        case "step_progress":
          report(ctx, { type: "step_progress", slot: spec.slot, data: { iteration: message.slot, data: message.data } });
          break;
        case "step_usage":
          // An iteration's crashed attempt: part of the fan-out step's usage.
          mergeUsage(state.usage, message.usage);
          break;
        default:
          break;
      }
      return state;
    },
    onSignal(state, signal: Signal, ctx) {
      const index = state.slots.get(signal.ref);
      if (index === undefined || state.failed) return state;
      if (signal.type === "child_restarting") {
        report(ctx, { type: "step_retrying", slot: spec.slot, attempt: signal.attempt, error: signal.error, delayMs: signal.delayMs, iteration: index });
        return state;
      }
      state.slots.delete(signal.ref);
      state.running--;
      if (signal.error !== undefined) return fail(spec, state, ctx, signal.error);
      const refused = launch(spec, state, ctx);
      return refused === undefined ? state : fail(spec, state, ctx, refused);
    },
  };
}
