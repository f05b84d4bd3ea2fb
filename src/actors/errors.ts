import { WfxError } from "../errors.js";
import type { Address } from "./types.js";

/** Every code the actor kernel raises, so a docs test can check each one is documented. */
export const ACTOR_ERROR_CODES = [
  "WFX_ASK_TIMEOUT",
  "WFX_ACTOR_STOPPED",
  "WFX_MAILBOX_FULL",
  "WFX_NO_ROUTE",
  "WFX_ACTOR_NAME_TAKEN",
  "WFX_ACTOR_INVALID_OPTION",
  "WFX_UNKNOWN_ACTOR_KIND",
  "WFX_ACTOR_SYSTEM_DOWN",
  "WFX_ACTOR_FAILED",
] as const;

/** No reply came in time: the target may be slow, overloaded or gone, so asking again can help. */
export class AskTimeoutError extends WfxError {
  override name = "AskTimeoutError";
  constructor(readonly address: Address, readonly timeoutMs: number) {
    super("WFX_ASK_TIMEOUT", `no reply from ${address} within ${timeoutMs} ms`, {
      hint: "check that the target replies to `replyTo`, or raise `timeoutMs`",
      retryable: true,
    });
  }
}

/** The actor (or the whole system) has stopped; also the reason of an aborted `ctx.signal`. */
export class ActorStoppedError extends WfxError {
  override name = "ActorStoppedError";
  constructor(readonly address: Address, options: { cause?: unknown } = {}) {
    super("WFX_ACTOR_STOPPED", `${address} is stopped`, { hint: "spawn a new actor, or stop talking to this one", ...options });
  }
}

/** The target has `mailboxCapacity` messages waiting; back off and try again. */
export class MailboxFullError extends WfxError {
  override name = "MailboxFullError";
  constructor(readonly address: Address) {
    super("WFX_MAILBOX_FULL", `the mailbox of ${address} is full`, {
      hint: "send more slowly, or raise `mailboxCapacity` in the spawn options",
      retryable: true,
    });
  }
}

/** The address belongs to a system this one has no transport to (yet). */
export class NoRouteError extends WfxError {
  override name = "NoRouteError";
  constructor(readonly address: Address) {
    super("WFX_NO_ROUTE", `no route to ${address}`, {
      hint: "register a transport for its system id with `system.registerTransport(id, transport)`",
      retryable: true,
    });
  }
}

/** A sibling already has this name, so the address would be ambiguous. */
export class ActorNameTakenError extends WfxError {
  override name = "ActorNameTakenError";
  constructor(readonly address: Address) {
    super("WFX_ACTOR_NAME_TAKEN", `an actor named ${address} is already running`, {
      hint: "pick a unique name among siblings, or omit it to get a generated one",
    });
  }
}

/** A spawn or system option is malformed (bad name, policy, capacity or system id). */
export class InvalidActorOptionError extends WfxError {
  override name = "InvalidActorOptionError";
  constructor(message: string, hint: string) {
    super("WFX_ACTOR_INVALID_OPTION", message, { hint });
  }
}

/** A spawn by kind named a kind the hosting system never registered with `registerKind`. */
export class UnknownActorKindError extends WfxError {
  override name = "UnknownActorKindError";
  constructor(readonly kind: string, readonly systemId: string) {
    super("WFX_UNKNOWN_ACTOR_KIND", `actor system ${systemId} has no actor kind ${JSON.stringify(kind)}`, {
      hint: "register it there with `system.registerKind(kind, (spec) => logic)` before spawning it, or spawn on a system that has it",
    });
  }
}

/** The system hosting the actor is gone (`nodeDown`): its actors ended with it, whatever they were doing. */
export class ActorSystemDownError extends WfxError {
  override name = "ActorSystemDownError";
  constructor(readonly address: Address, readonly systemId: string) {
    super("WFX_ACTOR_SYSTEM_DOWN", `${address} is gone: its actor system ${systemId} is down`, {
      hint: "spawn the work again on a system that is up",
      retryable: true,
    });
  }
}

/** What an error of another system is on arrival: its code (or `WFX_ACTOR_FAILED`), message, hint and retryable flag. */
export class RemoteActorError extends WfxError {
  override name = "RemoteActorError";
  constructor(
    code: `WFX_${string}`,
    message: string,
    /** The `name` the error had where it was thrown, e.g. `TypeError` or `UnknownActorKindError`. */
    readonly remoteName: string,
    options: { hint?: string; retryable?: boolean },
  ) {
    super(code, message, options);
  }
}
