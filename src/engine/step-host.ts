import type { ActorContext, ActorRef, SupervisionPolicy } from "../actors/index.js";
import { resolveAction, type ExecutionPlan, type StepAction } from "./plan.js";
import { fromStep } from "./step-actor.js";
import type { StepServices } from "./step-kinds.js";
import type { StepOrder } from "./step-order.js";

export interface StepSpawnOptions {
  /** Unique among the parent's children. */
  name: string;
  /** The step's retry policy: a restart of the actor is a retry. */
  supervision?: SupervisionPolicy;
}

/**
 * Where step actors run. The execution supervisor (and a for_each's fan-out actor) asks for one per step order and
 * supervises the ref it gets back as its child: the actor tells its parent StepReport messages, crashes on a retryable
 * failure (so the retry policy restarts it), and stops once it has reported an output or a failure.
 */
export interface StepHost {
  spawnStep<M>(parent: ActorContext<M>, order: StepOrder, options: StepSpawnOptions): ActorRef;
}

/** Turns the local host of an execution into the one its steps use: a cluster's places a step elsewhere or falls back to `local`. */
export type StepHostFactory = (local: StepHost) => StepHost;

/** Runs every step as a child actor in the supervisor's own actor system, with the services of the execution's plan. */
export class LocalStepHost implements StepHost {
  readonly #plan: ExecutionPlan;
  readonly #services: StepServices;

  constructor(plan: ExecutionPlan, services: StepServices) {
    this.#plan = plan;
    this.#services = services;
  }

  spawnStep<M>(parent: ActorContext<M>, order: StepOrder, options: StepSpawnOptions): ActorRef {
    return parent.spawn(fromStep({ order, action: this.#actionOf(order), services: this.#services }), options);
  }

  /** The plan's resolved action when the order carries the plan's own (always, from this node's supervisor). */
  #actionOf(order: StepOrder): StepAction {
    const step = this.#plan.steps[this.#plan.stepIndex.get(order.stepId) ?? -1];
    return step !== undefined && step.actionData === order.action ? step.action : resolveAction(order.action, this.#plan.baseDir);
  }
}
