import type { Subscription } from "@nats-io/transport-node";
import { liveSubject } from "../subjects.js";
import type { ClusterWire } from "../trust/cluster-wire.js";
import type { NodeView } from "./node-view.js";

/**
 * Which nodes' liveness beats this node hears: its `watchers` successors on the ring of live node ids (sorted), so each
 * node is watched by that many others and a cluster of n nodes carries n x watchers beats a second, not n². A watcher
 * that finds a node gone tells everyone (a verdict); the others never hear that node's beats at all.
 */
export class LivenessRing {
  readonly #wire: ClusterWire;
  readonly #view: NodeView;
  readonly #selfId: string;
  readonly #watchers: number;
  readonly #onBeat: (id: string, data: Uint8Array) => void;
  /** Watched ids, with since when (silence is judged from then) and the subscription. */
  readonly #watched = new Map<string, { sinceMs: number; sub: Subscription }>();
  readonly #stopListening: () => void;
  #recomputeScheduled = false;
  #closed = false;

  constructor(wire: ClusterWire, view: NodeView, selfId: string, watchers: number, onBeat: (id: string, data: Uint8Array) => void) {
    this.#wire = wire;
    this.#view = view;
    this.#selfId = selfId;
    this.#watchers = watchers;
    this.#onBeat = onBeat;
    // Joins and leaves come in bursts (a newcomer hears every entry at once): the ring is redrawn once per burst.
    this.#stopListening = view.listen((event) => {
      if (event.type !== "node.updated") this.#schedule();
    });
    this.#recompute();
  }

  /** Since when this node hears `id`'s beats (undefined: it does not). */
  since(id: string): number | undefined {
    return this.#watched.get(id)?.sinceMs;
  }

  close(): void {
    this.#closed = true;
    this.#stopListening();
    for (const { sub } of this.#watched.values()) sub.unsubscribe();
    this.#watched.clear();
  }

  #schedule(): void {
    if (this.#recomputeScheduled) return;
    this.#recomputeScheduled = true;
    setImmediate(() => {
      this.#recomputeScheduled = false;
      this.#recompute();
    });
  }

  #recompute(): void {
    if (this.#closed || this.#wire.nc.isClosed()) return;
    const wanted = new Set(successors(this.#view.upIds(), this.#selfId, this.#watchers));
    for (const [id, { sub }] of this.#watched) {
      if (wanted.has(id)) continue;
      sub.unsubscribe();
      this.#watched.delete(id);
    }
    for (const id of wanted) {
      if (this.#watched.has(id)) continue;
      const sub = this.#wire.subscribe(liveSubject(id), (msg) => this.#onBeat(id, msg.body));
      this.#watched.set(id, { sinceMs: Date.now(), sub });
    }
  }
}

/** The `count` ids after `selfId` on the ring of sorted `ids` (self excluded), wrapping around. */
export function successors(ids: readonly string[], selfId: string, count: number): string[] {
  const others = ids.filter((id) => id !== selfId);
  if (others.length <= count) return others;
  let start = others.findIndex((id) => id > selfId);
  if (start < 0) start = 0;
  const picked: string[] = [];
  for (let i = 0; i < count; i++) picked.push(others[(start + i) % others.length]!);
  return picked;
}
