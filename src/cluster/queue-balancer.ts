import type { Subscription } from "@nats-io/transport-node";
import { waitsForKeyPlace, type ExecutionQueue, type ExecutionRecord, type NodeEngine, type NodeInfo, type Requeue } from "../engine/internal.js";
import type { Logger } from "../observability/index.js";
import { decodeJson, encodeJson } from "./codec.js";
import { handoverSubject } from "./subjects.js";
import type { ClusterWire } from "./trust/cluster-wire.js";

/** How often a node with room looks for executions queued on other nodes (and at once whenever a slot frees). */
const LOOK_MS = 1000;
const HANDOVER_TIMEOUT_MS = 2000;
/** Looks are at least this far apart: a slot frees per execution end, and each look reads the store (a JetStream request). */
const LOOK_GAP_MS = 200;
/** A released execution its asker has not taken by then (it died, or its answer was lost) goes back in the holder's line. */
const TAKE_BACK_MS = 10_000;

export interface QueueBalancerDeps {
  wire: ClusterWire;
  selfId: string;
  engine: NodeEngine;
  queue: ExecutionQueue;
  requeue: Requeue;
  nodes: () => readonly NodeInfo[];
  /** Whether an execution queued on a live node may run here as it asked (a target naming its node keeps it there). */
  fitsHere: (record: ExecutionRecord) => boolean;
  logger: Logger;
}

/** Highest priority first, then the longest waiting: the order a cluster-wide line would start them in. */
function byTurn(a: ExecutionRecord, b: ExecutionRecord): number {
  return (b.queue?.priority ?? 5) - (a.queue?.priority ?? 5) || (a.queue?.queued_at ?? a.start_time * 1000) - (b.queue?.queued_at ?? b.start_time * 1000);
}

/**
 * The queue across the cluster: each node queues what it is sent, and a node with room and an empty line of its own
 * asks the node holding the next execution that fits it (by priority, then arrival) to let it go; the holder flushes
 * its writes, drops it from its line without ending it, and answers; the asker claims it (the next adoption
 * generation) and starts it. So work waits for capacity anywhere it fits, not on the worker it first reached.
 */
export class QueueBalancer {
  readonly #deps: QueueBalancerDeps;
  readonly #subscription: Subscription;
  readonly #timer: NodeJS.Timeout;
  #looking = false;
  #closed = false;
  #lastLookMs = 0;
  /** A look asked for within the gap, made at its end. */
  #deferred: NodeJS.Timeout | undefined;

  constructor(deps: QueueBalancerDeps) {
    this.#deps = deps;
    this.#subscription = deps.wire.subscribe(handoverSubject(deps.selfId), (msg) => {
      const asked = decodeJson<{ executionId?: unknown }>(msg.body);
      const id = typeof asked?.executionId === "string" ? asked.executionId : undefined;
      const released = id === undefined || this.#closed ? Promise.resolve(false) : deps.engine.releaseQueued(id);
      void released.then(
        (ok) => {
          msg.respond(encodeJson({ released: ok }));
          if (ok) setTimeout(() => void this.#takeBackIfLeft(id!), TAKE_BACK_MS).unref();
        },
        () => msg.respond(encodeJson({ released: false })),
      );
    });
    this.#timer = setInterval(() => this.look(), LOOK_MS);
    this.#timer.unref();
  }

  /** Takes what waits elsewhere while this node has room and nothing of its own waiting. */
  look(): void {
    if (this.#looking || this.#closed || this.#deferred !== undefined) return;
    const wait = this.#lastLookMs + LOOK_GAP_MS - Date.now();
    if (wait > 0) {
      this.#deferred = setTimeout(() => ((this.#deferred = undefined), this.look()), wait);
      this.#deferred.unref();
      return;
    }
    this.#lastLookMs = Date.now();
    this.#looking = true;
    void this.#takeWhileRoom()
      .catch((error: unknown) => this.#deps.logger.debug({ err: error }, "looking for executions queued on other nodes failed; trying again"))
      .finally(() => (this.#looking = false));
  }

  async #takeWhileRoom(): Promise<void> {
    const { queue, engine, selfId } = this.#deps;
    if (!queue.hasRoom || queue.size > 0) return;
    const up = new Set(this.#deps.nodes().filter((n) => n.status === "up" || n.status === "draining").map((n) => n.id));
    // One waiting for a key's cluster-wide place would wait here the same: moving it only churns.
    const waiting = (await engine.store.listRecords({ status: "queued" })).filter((r) => r.node !== selfId && up.has(r.node) && !waitsForKeyPlace(r.queue?.reason) && this.#deps.fitsHere(r)).sort(byTurn);
    for (const candidate of waiting) {
      if (this.#closed || !queue.hasRoom || queue.size > 0) return;
      if (!(await this.#askFor(candidate))) continue;
      // Read again after the holder flushed: its last writes are in.
      const stored = await engine.store.getRecord(candidate.execution_id);
      if (stored === undefined || !(await engine.takeQueued(stored, this.#deps.requeue))) continue;
      this.#deps.logger.info({ execution_id: candidate.execution_id, from: candidate.node }, "took a queued execution over from a node without room");
      queue.dispatch();
    }
  }

  async #takeBackIfLeft(executionId: string): Promise<void> {
    const { engine, selfId } = this.#deps;
    const stored = await engine.store.getRecord(executionId).catch(() => undefined);
    if (this.#closed || stored?.status !== "queued" || stored.node !== selfId || engine.locator.knownHere(executionId) !== undefined) return;
    if (await engine.takeQueued(stored, this.#deps.requeue).catch(() => false)) {
      this.#deps.logger.warn({ execution_id: executionId }, "a queued execution let go to another node was not taken there; back in this node's line");
      this.#deps.queue.dispatch();
    }
  }

  async #askFor(record: ExecutionRecord): Promise<boolean> {
    try {
      const answer = decodeJson<{ released?: unknown }>(await this.#deps.wire.request(handoverSubject(record.node), encodeJson({ executionId: record.execution_id }), { timeout: HANDOVER_TIMEOUT_MS, encrypt: true }));
      return answer?.released === true;
    } catch {
      return false;
    }
  }

  close(): void {
    this.#closed = true;
    clearInterval(this.#timer);
    clearTimeout(this.#deferred);
    this.#subscription.unsubscribe();
  }
}
