import type { ActorContext, ActorLogic, ActorRef } from "../actors/index.js";
import { WfxError } from "../errors.js";
import { StepTimeoutError } from "./errors.js";
import type { StepAction } from "./plan.js";
import { isThenable, runAction, type FunctionStepContext, type StepServices } from "./step-kinds.js";

/** What a step actor tells its parent (the execution supervisor, or a fan-out actor for `for_each`). */
export type StepReport =
  | { type: "step_started"; slot: number; attempt: number }
  | { type: "step_output"; slot: number; output: unknown }
  /** A failure that retrying cannot fix (e.g. bad tool arguments); retryable failures crash the actor instead. */
  | { type: "step_failed"; slot: number; error: unknown }
  | { type: "step_progress"; slot: number; data: unknown }
  /** Sent by a fan-out actor when one of its iterations is about to be retried. */
  | { type: "step_retrying"; slot: number; attempt: number; error: unknown; delayMs: number; iteration?: number };

export interface StepSpec {
  slot: number;
  stepId: string;
  executionId: string;
  action: StepAction;
  input: unknown;
  timeoutMs: number | undefined;
  item?: unknown;
  index?: number;
  services: StepServices;
  /** Attempts made before this execution was adopted from a dead owner; attempt numbers continue after them. */
  attemptsBefore: number;
}

type StepMessage = { type: "done"; value: unknown } | { type: "error"; error: unknown } | { type: "timeout" };

/** Failures a retry cannot fix are reported, not crashed on, so supervision does not restart them. */
function isRetryable(error: unknown): boolean {
  return !(error instanceof WfxError) || error.retryable;
}

function finish(ctx: ActorContext<StepMessage>, report: StepReport): void {
  (ctx.parent as ActorRef<StepReport>).tell(report);
  ctx.stop();
}

function failed(spec: StepSpec, ctx: ActorContext<StepMessage>, error: unknown): void {
  if (isRetryable(error)) ctx.fail(error);
  else finish(ctx, { type: "step_failed", slot: spec.slot, error });
}

/** What a step function gets; a class, so the hot path allocates one plain-shaped object per attempt. */
class StepContext implements FunctionStepContext {
  readonly attempt: number;
  readonly executionId: string;
  readonly stepId: string;
  readonly item: unknown;
  readonly index: number | undefined;
  readonly #spec: StepSpec;
  readonly #actor: ActorContext<StepMessage>;
  readonly #parent: ActorRef<StepReport>;

  constructor(spec: StepSpec, actor: ActorContext<StepMessage>, parent: ActorRef<StepReport>) {
    this.attempt = spec.attemptsBefore + actor.attempt;
    this.executionId = spec.executionId;
    this.stepId = spec.stepId;
    this.item = spec.item;
    this.index = spec.index;
    this.#spec = spec;
    this.#actor = actor;
    this.#parent = parent;
  }

  /** Created on first use: most steps never look at it. */
  get signal(): AbortSignal {
    return this.#actor.signal;
  }

  /** A getter handing out a bound function: step functions destructure it (`{ progress }`). */
  get progress(): (data: unknown) => void {
    return (data) => this.#parent.tell({ type: "step_progress", slot: this.#spec.slot, data });
  }
}

/** One attempt of one step per incarnation: a restart by the parent's supervision is a retry. */
export function fromStep(spec: StepSpec): ActorLogic<null, StepMessage> {
  return {
    start(ctx) {
      const parent = ctx.parent as ActorRef<StepReport>;
      parent.tell({ type: "step_started", slot: spec.slot, attempt: spec.attemptsBefore + ctx.attempt });
      if (spec.timeoutMs !== undefined) ctx.scheduleOnce(spec.timeoutMs, { type: "timeout" });
      const stepCtx = new StepContext(spec, ctx, parent);
      try {
        const result = runAction(spec.action, spec.input, stepCtx, spec.services);
        if (isThenable(result)) {
          ctx.pipeToSelf(Promise.resolve(result), (value) => ({ type: "done", value }), (error) => ({ type: "error", error }));
        } else {
          ctx.self.tell({ type: "done", value: result });
        }
      } catch (error) {
        ctx.self.tell({ type: "error", error });
      }
      return null;
    },
    receive(state, message, ctx) {
      switch (message.type) {
        case "done":
          finish(ctx, { type: "step_output", slot: spec.slot, output: message.value });
          break;
        case "error":
          failed(spec, ctx, message.error);
          break;
        case "timeout":
          ctx.fail(new StepTimeoutError(spec.stepId, spec.timeoutMs!));
          break;
      }
      return state;
    },
  };
}
