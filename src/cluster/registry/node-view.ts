import type { NodeEvent, NodeInfo } from "../../engine/internal.js";
import { withLoad, type Entry, type LoadPart } from "./registry-messages.js";

const HISTORY = 256;

/** One other node as this one knows it: its record, when it was last heard from, and its entry's revision. */
export interface Seen {
  info: NodeInfo;
  lastBeatMs: number;
  rev: number;
}

/** What a beat told about the copy kept here: none yet, one behind the node's revision (ask for it), or current. */
export type BeatVerdict = "unknown" | "behind" | "current";

/**
 * The other nodes as heard over NATS, with the change history WatchNodes resumes from. Knows no subject or timer: the
 * registry feeds it what arrives and asks it who fell silent.
 */
export class NodeView {
  readonly nodes = new Map<string, Seen>();
  readonly #history: NodeEvent[] = [];
  readonly #listeners = new Set<(event: NodeEvent) => void>();
  #seq = 0;

  constructor(readonly selfId: () => string | undefined) {}

  /** A full entry heard: kept unless it is older than the copy held (a late refresh of the same incarnation). */
  entry({ info, rev }: Entry, now: number): void {
    if (info.id === this.selfId()) return;
    const known = this.nodes.get(info.id);
    if (known !== undefined && rev !== undefined && rev < known.rev && known.info.instance === info.instance && known.info.status !== "down") {
      known.lastBeatMs = now;
      return;
    }
    this.nodes.set(info.id, { info, lastBeatMs: now, rev: rev ?? 0 });
    if (known === undefined || known.info.status === "down") this.#emit(info.status === "down" ? "node.down" : "node.up", info);
    else if (info.status === "down") this.#emit("node.down", info);
    else if (JSON.stringify(known.info) !== JSON.stringify(info)) this.#emit("node.updated", info);
  }

  /** A liveness beat: the node lives; its revision says whether a change of it was missed here. */
  beat(id: string, rev: number, now: number): BeatVerdict {
    const known = this.nodes.get(id);
    if (known === undefined) return "unknown";
    known.lastBeatMs = now;
    return known.info.status === "down" || rev > known.rev ? "behind" : "current";
  }

  /** A coalesced load change, applied to the copy of the same revision (a newer revision is asked for in full). */
  load(id: string, rev: number, part: LoadPart, now: number): BeatVerdict {
    const known = this.nodes.get(id);
    if (known === undefined) return "unknown";
    known.lastBeatMs = now;
    if (known.info.status === "down" || rev > known.rev) return "behind";
    if (rev < known.rev) return "current";
    const info = withLoad(known.info, part);
    if (JSON.stringify(info) !== JSON.stringify(known.info)) {
      known.info = info;
      this.#emit("node.updated", info);
    }
    return "current";
  }

  /** Marks a node down (silent, no process behind it, or a watcher's verdict); true when it was not down already. */
  markDown(id: string, instance?: string): boolean {
    const seen = this.nodes.get(id);
    if (seen === undefined || seen.info.status === "down") return false;
    if (instance !== undefined && seen.info.instance !== undefined && seen.info.instance !== instance) return false;
    seen.info = { ...seen.info, status: "down" };
    this.#emit("node.down", seen.info);
    return true;
  }

  /** Hears every change from now on, without the replay `watch` starts with. */
  listen(listener: (event: NodeEvent) => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  forget(id: string): void {
    this.nodes.delete(id);
  }

  infos(): NodeInfo[] {
    return [...this.nodes.values()].map((s) => s.info);
  }

  /** The ids of the nodes up now, sorted: the ring watchers are chosen on. */
  upIds(): string[] {
    return [...this.nodes.values()].filter((s) => s.info.status !== "down").map((s) => s.info.id).sort();
  }

  watch(afterSeq: number, listener: (event: NodeEvent) => void, current: () => Promise<NodeInfo[]>): () => void {
    const oldest = this.#history[0]?.seq ?? this.#seq + 1;
    if (afterSeq > 0 && afterSeq >= oldest - 1 && afterSeq <= this.#seq) {
      for (const event of this.#history) if (event.seq > afterSeq) listener(event);
    } else {
      void current().then((nodes) => nodes.forEach((node) => listener({ seq: this.#seq, type: node.status === "down" ? "node.down" : "node.up", node, time: Date.now() })));
    }
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  #emit(type: NodeEvent["type"], node: NodeInfo): void {
    const event: NodeEvent = { seq: ++this.#seq, type, node, time: Date.now() };
    this.#history.push(event);
    if (this.#history.length > HISTORY) this.#history.shift();
    for (const listener of this.#listeners) listener(event);
  }
}
