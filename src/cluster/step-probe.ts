import { NoRespondersError, RequestError, type Subscription } from "@nats-io/transport-node";
import { decodeJson, encodeJson } from "./codec.js";
import type { DurableOutcomes } from "./durable-outcomes.js";
import type { HostedOutcomes, HostedStepState } from "./hosted-outcomes.js";
import { stepsSubject } from "./subjects.js";
import type { ClusterWire } from "./trust/cluster-wire.js";

/** What a supervisor learns when it asks a node about a placed step: its state there, or that nobody answered. */
export type ProbeAnswer = HostedStepState | { state: "no_node" } | { state: "no_answer" };

const PROBE_TIMEOUT_MS = 2000;

/** Answers supervisors asking how the placed steps they sent here are doing (outputs are tenant data: encrypted). */
export function serveStepProbes(wire: ClusterWire, selfId: string, outcomes: HostedOutcomes): Subscription {
  return wire.subscribe(stepsSubject(selfId), (msg) => {
    const asked = decodeJson<{ keys?: unknown }>(msg.body);
    const keys = Array.isArray(asked?.keys) ? asked.keys.filter((k): k is string => typeof k === "string").slice(0, 1000) : [];
    msg.respond(encodeJson({ states: keys.map((key) => outcomes.lookup(key)) }), { encrypt: true });
  });
}

/**
 * Asks `nodeId` about one attempt. A closed connection is known at once (NATS answers no-responders for a node whose
 * process is gone), a paused or cut-off node only by the timeout: that one says nothing yet, heartbeats decide.
 */
export async function probeStep(wire: ClusterWire, nodeId: string, key: string): Promise<ProbeAnswer> {
  try {
    const answer = decodeJson<{ states?: ProbeAnswer[] }>(await wire.request(stepsSubject(nodeId), encodeJson({ keys: [key] }), { timeout: PROBE_TIMEOUT_MS, encrypt: true }));
    return answer?.states?.[0] ?? { state: "no_answer" };
  } catch (error) {
    if (error instanceof NoRespondersError || (error instanceof RequestError && error.isNoResponders())) return { state: "no_node" };
    return { state: "no_answer" };
  }
}

/** A node that does not know the step (restarted), is gone or silent may have kept its outcome before: that settles it. */
export function probeOrKept(wire: () => ClusterWire | undefined, kept: () => DurableOutcomes): (nodeId: string, key: string) => Promise<ProbeAnswer> {
  return async (nodeId, key) => {
    const w = wire();
    const answer: ProbeAnswer = w === undefined ? { state: "no_answer" } : await probeStep(w, nodeId, key);
    if (answer.state === "running" || answer.state === "ended") return answer;
    const outcome = await kept().find(key);
    return outcome === undefined ? answer : { state: "ended", outcome };
  };
}
