import type { ExecutionRecord } from "../engine/internal.js";
import { workflowPlacementOf } from "./execution-order.js";
import { placementFor, type PlacementRequest } from "./placement.js";

/** Where a stored execution asked to run (its workflow's placement and its request's); undefined when it kept no resume spec (it fits anywhere). */
export function executionPlacementOf(record: ExecutionRecord): PlacementRequest | undefined {
  const spec = record.resume;
  if (spec === undefined) return undefined;
  return { ...placementFor(workflowPlacementOf(spec.file_json, record.workflow_name), spec.placement), kind: "execution" };
}
