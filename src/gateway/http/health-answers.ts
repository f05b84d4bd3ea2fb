import type { Readiness } from "../../engine/internal.js";
import { given } from "../../present.js";

/** An HTTP status and the JSON body to send with it. */
export interface HealthAnswer {
  status: number;
  body: Record<string, unknown>;
}

/** GET /health: the process answers, whatever its readiness (a liveness check). */
export function healthAnswer(nodeId: string): HealthAnswer {
  return { status: 200, body: { status: "ok", node: nodeId } };
}

/** GET /ready: 200 when the node takes work, else 503 with why not; an insecure cluster node says so either way. */
export function readinessAnswer(nodeId: string, readiness: Readiness): HealthAnswer {
  const warning = readiness.insecure === undefined ? {} : { warning: readiness.insecure };
  if (readiness.ready) return { status: 200, body: { status: "ready", node: nodeId, ...warning } };
  return { status: 503, body: { status: "not ready", node: nodeId, ...given({ reason: readiness.reason }), ...warning } };
}
