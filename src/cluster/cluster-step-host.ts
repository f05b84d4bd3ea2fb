import type { ActorContext, ActorRef } from "../actors/index.js";
import type { StepHost, StepOrder, StepSpawnOptions } from "../engine/internal.js";
import { fromPlacedStep, type PlacedStepDeps } from "./placed-step.js";
import { asksForSomewhere } from "./placement.js";

/**
 * The step host of a node in a cluster: a step whose `placement:` asks for tags, a node or resources runs where
 * placement puts it (through a stand-in that supervises it there); any other step runs here, as on a single node.
 */
export class ClusterStepHost implements StepHost {
  readonly #deps: PlacedStepDeps;

  constructor(
    readonly local: StepHost,
    deps: Omit<PlacedStepDeps, "local">,
  ) {
    this.#deps = { ...deps, local };
  }

  spawnStep<M>(parent: ActorContext<M>, order: StepOrder, options: StepSpawnOptions): ActorRef {
    if (!asksForSomewhere(order.placement)) return this.local.spawnStep(parent, order, options);
    return parent.spawn(fromPlacedStep(order, this.#deps), options);
  }
}
