import type { ActorCell } from "./actor-cell.js";
import { LocalRef } from "./refs.js";
import type { ActorRef } from "./types.js";

/** One incarnation's ties to other actors: those it watches. */
export class Links {
  private local: Set<ActorCell> | undefined = undefined;

  constructor(private readonly cell: ActorCell) {}

  watch(ref: ActorRef): void {
    const cell = this.cell;
    if (!(ref instanceof LocalRef)) return; // remote death watch belongs to transports
    const target: ActorCell = ref.cell;
    if (target === cell || target.parent === cell) return; // children are always watched
    if (!target.addWatcher(cell)) return cell.enqueueSignal({ type: "terminated", ref: target.ref });
    (this.local ??= new Set()).add(target);
  }

  unwatch(ref: ActorRef): void {
    if (!(ref instanceof LocalRef)) return;
    ref.cell.removeWatcher(this.cell);
    this.local?.delete(ref.cell);
  }

  /** A local actor this one watched has ended (and signalled it). */
  forget(target: ActorCell): void {
    this.local?.delete(target);
  }

  /** The incarnation ended: its watches are dropped. */
  end(): void {
    const { cell, local } = this;
    if (local !== undefined) for (const target of local) target.removeWatcher(cell);
  }
}
