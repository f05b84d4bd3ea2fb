import type { NodeInfo } from "../engine/internal.js";
import type { PlacementNode } from "./placement.js";

const NO_RESOURCES = Object.freeze({ total: Object.freeze({}), free: Object.freeze({}) });

/** A registry record as placement reads it; a record without step slots (an older node's) takes steps as it takes executions. */
export function placementNodeOf(node: NodeInfo): PlacementNode {
  const steps = node.steps ?? { capacity: node.capacity, load: 0 };
  return { id: node.id, tags: node.tags, resources: node.resources ?? NO_RESOURCES, capacity: { executions: node.capacity, steps: steps.capacity }, load: { executions: node.load, steps: steps.load }, status: node.status };
}
