import type { ActorLogic } from "../actors/index.js";
import type { StepOrder, StepOutcome } from "../engine/internal.js";
import { ClusterError } from "./errors.js";
import { attemptKey, type HostedOutcomes } from "./hosted-outcomes.js";
import type { Release, StepSlots } from "./step-slots.js";

/**
 * A placed step as the node it was placed on runs it: it takes a step slot and the resources its placement reserves
 * before it is built, and gives them back when it ends, whatever the reason. A node with no room (the placer saw it a
 * beat late) refuses with WFX_NODE_FULL, which the placer's stand-in answers by placing the step again. How it ends is
 * kept in `outcomes` for a supervisor that missed the end.
 */
export function hostedStep(order: StepOrder, slots: StepSlots, outcomes: HostedOutcomes, build: (onEnd: (outcome: StepOutcome) => void) => ActorLogic<any, any>): ActorLogic<any, any> {
  const reserved = slots.tryReserve(order.placement?.resources);
  if (typeof reserved !== "function") throw new ClusterError("WFX_NODE_FULL", `this node cannot run step '${order.stepId}' now: ${reserved.refused}`, { retryable: true, hint: "the step is placed again; raise capacity.steps or the node's resources if it waits long" });
  const key = attemptKey(order);
  let logic: ActorLogic<any, any>;
  try {
    logic = build((outcome) => outcomes.ended(key, outcome));
  } catch (error) {
    reserved();
    throw error;
  }
  outcomes.running(key);
  return withRelease(logic, () => {
    reserved();
    outcomes.stopped(key);
  });
}

/** `logic` with `release` called once when its actor ends (stop, failure, or the stop of its parent's node link). */
function withRelease(logic: ActorLogic<any, any>, release: Release): ActorLogic<any, any> {
  return {
    ...logic,
    start: logic.start.bind(logic),
    receive: logic.receive.bind(logic),
    ...(logic.onSignal === undefined ? {} : { onSignal: logic.onSignal.bind(logic) }),
    stopped(state, ctx) {
      try {
        logic.stopped?.(state, ctx);
      } finally {
        release();
      }
    },
  };
}
