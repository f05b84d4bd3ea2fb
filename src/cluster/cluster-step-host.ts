import type { ActorContext, ActorRef } from "../actors/index.js";
import type { NodeInfo, StepHost, StepOrder, StepSpawnOptions } from "../engine/index.js";
import { fromPlacedStep } from "./placed-step.js";
import { asksForSomewhere } from "./placement.js";

/**
 * The step host of a node in a cluster: a step whose `placement:` asks for tags, a node or resources runs where
 * placement puts it (through a stand-in that supervises it there); any other step runs here, as on a single node.
 */
export class ClusterStepHost implements StepHost {
  constructor(
    readonly local: StepHost,
    readonly selfId: string,
    readonly nodes: () => NodeInfo[],
    readonly placementTimeoutMs: number,
    readonly maxPayloadBytes: () => number,
  ) {}

  spawnStep<M>(parent: ActorContext<M>, order: StepOrder, options: StepSpawnOptions): ActorRef {
    if (!asksForSomewhere(order.placement)) return this.local.spawnStep(parent, order, options);
    return parent.spawn(fromPlacedStep(order, { selfId: this.selfId, nodes: this.nodes, local: this.local, placementTimeoutMs: this.placementTimeoutMs, maxPayloadBytes: this.maxPayloadBytes }), options);
  }
}
