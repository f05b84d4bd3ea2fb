import type { ActorContext, ActorRef } from "../actors/index.js";
import type { NodeInfo, StepHost, StepOrder, StepSpawnOptions } from "../engine/index.js";
import { fromPlacedStep } from "./placed-step.js";

/** A placement that asks for somewhere in particular. */
function placed(order: StepOrder): boolean {
  const p = order.placement;
  return p !== undefined && ((p.tags?.length ?? 0) > 0 || p.target_instance !== undefined || (p.prefer?.length ?? 0) > 0 || Object.keys(p.resources ?? {}).length > 0);
}

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
    if (!placed(order)) return this.local.spawnStep(parent, order, options);
    return parent.spawn(fromPlacedStep(order, { selfId: this.selfId, nodes: this.nodes, local: this.local, placementTimeoutMs: this.placementTimeoutMs, maxPayloadBytes: this.maxPayloadBytes }), options);
  }
}
