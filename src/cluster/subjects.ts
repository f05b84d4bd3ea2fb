/** Every NATS subject the cluster uses, in one place. */
export const SUBJECTS = Object.freeze({
  /** Each node publishes its record here on every heartbeat and change. */
  beat: "wfx.nodes.beat",
  /** A node joining asks every node to beat at once, so its view fills in without waiting a heartbeat. */
  hello: "wfx.nodes.hello",
  /** Delta beats: a node's coalesced load changes (at most one a second, only when its load changed). */
  load: "wfx.nodes.load",
  /** Delta beats: a watcher's verdict that a node is gone, for every node that does not watch it itself. */
  down: "wfx.nodes.down",
  /** A provider answered 429: every node pauses its calls to that endpoint until the time given. */
  modelPause: "wfx.models.pause",
});

/** A node's small liveness beat (delta beats): heard only by the nodes that watch it. */
export function liveSubject(nodeId: string): string {
  return `wfx.nodes.live.${nodeId}`;
}

/** Where the entries answering one newcomer's hello go: to it alone. */
export function snapshotSubject(asker: string): string {
  return `wfx.nodes.snapshot.${asker}`;
}

/** Answers one node's full entry (sealed): asked by a watcher whose copy is behind the revision a beat names. */
export function entrySubject(nodeId: string): string {
  return `wfx.node.${nodeId}.entry`;
}

/** The subject an actor system receives on: one per system, so messages to it keep the order they were sent in. */
export function actorSubject(systemId: string): string {
  return `wfx.actor.${systemId}`;
}

/** Asks one node to drain: it takes nothing new and finishes what it runs (`wfx drain NODE`). */
export function drainSubject(nodeId: string): string {
  return `wfx.node.${nodeId}.drain`;
}

/** Asks a drained node to take work again (`wfx undrain NODE`). */
export function undrainSubject(nodeId: string): string {
  return `wfx.node.${nodeId}.undrain`;
}

/** The NATS services ($SRV) name nodes answer discovery under: `nats micro ls` lists them as `wfx`. */
export const SERVICE_NAME = "wfx";

/** Where one node answers a discovery verb (ADR-32): for everyone, for every `wfx` node, and for this node alone. */
export function serviceDiscoverySubjects(verb: "PING" | "INFO" | "STATS", nodeId: string): string[] {
  return [`$SRV.${verb}`, `$SRV.${verb}.${SERVICE_NAME}`, `$SRV.${verb}.${SERVICE_NAME}.${nodeId}`];
}

/** The `node` endpoint discovery names: it answers the node's live record. */
export function nodeInfoSubject(nodeId: string): string {
  return `wfx.node.${nodeId}.info`;
}

/** The KV bucket holding each model limit's shared token bucket (one key per endpoint and model). */
export const RATE_LIMIT_BUCKET = "wfx-rate-limits";
/** The KV bucket holding each limited tag's places and line (`limits:` of the node profiles), one key per tag. */
export const TAG_LIMITS_BUCKET = "wfx-tag-limits";
/** The KV bucket where a node keeps how the placed steps it ran ended, for a supervisor that missed the end. */
export const STEP_OUTCOMES_BUCKET = "wfx-step-outcomes";

/** The work-queue stream where nodes without room offer their queued executions to nodes with room (see QueueOffers). */
export const QUEUE_OFFERS = Object.freeze({ stream: "WFX_QUEUE_OFFERS", prefix: "wfx.offers" });

/** The cluster store's JetStream names: records and claims in KV buckets, events in one stream. */
export const CLUSTER_STORE = Object.freeze({
  records: "wfx-executions",
  claims: "wfx-claims",
  events: "WFX_EVENTS",
  eventsPrefix: "wfx.events",
});

/**
 * An execution id as one KV key or subject token: ids made here (UUIDs) stay as they are; any other is base64url
 * behind `=`, since keys and tokens allow few characters and an id may come from a caller.
 */
export function storeKey(executionId: string): string {
  return /^[A-Za-z0-9_-]{1,200}$/.test(executionId) ? executionId : `=${Buffer.from(executionId).toString("base64url")}`;
}

export function idOfStoreKey(key: string): string {
  return key.startsWith("=") ? Buffer.from(key.slice(1), "base64url").toString() : key;
}

/** Where an execution's events are published: stored by the events stream, and seen live by any node's watchers. */
export function eventSubject(executionId: string): string {
  return `${CLUSTER_STORE.eventsPrefix}.${storeKey(executionId)}`;
}

/** Asks a node to start an execution placement sent it, or to cancel one it runs. */
export function startSubject(nodeId: string): string {
  return `wfx.node.${nodeId}.start`;
}

export function cancelSubject(nodeId: string): string {
  return `wfx.node.${nodeId}.cancel`;
}

/** Asks a node how the placed steps it was sent are doing: what a supervisor reconciles after NATS blinked. */
export function stepsSubject(nodeId: string): string {
  return `wfx.node.${nodeId}.steps`;
}

/** Answered by a live node's process: a request to a crashed one gets NATS's no-responders at once. */
export function aliveSubject(nodeId: string): string {
  return `wfx.node.${nodeId}.alive`;
}

/** Asks a node where one of its queued executions waits in its line now, and why. */
export function queuePlaceSubject(nodeId: string): string {
  return `wfx.node.${nodeId}.queue-place`;
}

/** Asks a node to let one of its queued executions go to the asker, which has room for it now. */
export function handoverSubject(nodeId: string): string {
  return `wfx.node.${nodeId}.handover`;
}
