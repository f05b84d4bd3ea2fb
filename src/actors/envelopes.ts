import type { Signal } from "./types.js";

/** Marks kernel wrappers in a mailbox; plain messages skip all of this with one instanceof check. */
export abstract class Envelope {}

/** A signal queued in the same FIFO as messages, so a child's last message arrives before its `terminated`. */
export class SignalEnvelope extends Envelope {
  constructor(readonly signal: Signal) {
    super();
  }
}

/** A pipeToSelf or scheduleOnce result: dropped unless `owner` (an incarnation's context) is still the current one. */
export class IncarnationEnvelope extends Envelope {
  constructor(
    readonly owner: object,
    readonly message: unknown,
  ) {
    super();
  }
}

export function isNotSignal(item: unknown): boolean {
  return !(item instanceof SignalEnvelope);
}

/** What a dead letter shows of a queued message: the message itself, not the kernel's incarnation envelope. */
export function letterOf(message: unknown): unknown {
  return message instanceof IncarnationEnvelope ? message.message : message;
}
