import { letterOf, SignalEnvelope } from "./envelopes.js";
import type { Cell, KernelHost } from "./kernel-host.js";
import type { Mailbox } from "./mailbox.js";
import type { Signal } from "./types.js";

/** Empties a stopped actor's mailbox: each message it held (signals aside) becomes a dead letter. */
export function deadLetterQueued(mailbox: Mailbox<unknown>, host: KernelHost, address: string): void {
  while (mailbox.size > 0) {
    const message = mailbox.shift();
    if (!(message instanceof SignalEnvelope)) host.deadLetter(address, letterOf(message), "stopped");
  }
}

/** The `terminated` signal for `cell`, to its parent when it listens and to each local watcher, whose links forget it. */
export function tellEnded(cell: Cell, failed: boolean, error: unknown, parent: Cell | undefined, watchers: Iterable<Cell> | undefined): void {
  if (parent === undefined && watchers === undefined) return;
  const signal: Signal = failed ? { type: "terminated", ref: cell.ref, error } : { type: "terminated", ref: cell.ref };
  parent?.enqueueSignal(signal);
  if (watchers === undefined) return;
  for (const watcher of watchers) {
    watcher.links?.forget(cell);
    watcher.enqueueSignal(signal);
  }
}
