import type { NodeInfo } from "../../engine/internal.js";
import type { ClusterWire } from "../trust/cluster-wire.js";
import type { NodeView, Seen } from "./node-view.js";

/** How a node's beats travel: every beat in full to every node (today's), or changes only plus a slow refresh. */
export type BeatMode = "full" | "delta";

/** What a beat protocol works on: the wire, the view it fills, and this node's own record. */
export interface BeatContext {
  wire: ClusterWire;
  view: NodeView;
  heartbeatMs: number;
  /** This node's record now (undefined for an observer, which announces nothing). */
  self: (() => NodeInfo) | undefined;
}

/** One way of announcing this node and hearing the others; the registry keeps the view and judges silence. */
export interface BeatProtocol {
  /** Subscribes to what every registry hears (an observer too) and asks the live nodes for their entries. */
  attach(): void;
  /** Starts announcing this node. */
  announce(): void;
  /** This node's record changed. */
  changed(): void;
  /** Whether this node hears `id`'s beats, so that its silence means something here; and since when. */
  hearsSince(id: string): number | undefined;
  /** This node found `seen` gone (silent, or no process behind its id). */
  judgedDown(seen: Seen): void;
  /** NATS came back after a break: whatever was sent meanwhile may have been missed. */
  reconnected(): void;
  /** The last word on leaving: this node's record with status `down`. */
  leave(): void;
  close(): void;
}
