import { randomUUID } from "node:crypto";
import { checkSystemId } from "./address.js";
import { systemClock } from "./clock.js";
import { resolveCapacity } from "./supervision.js";
import type { ActorSystemOptions, Address, Clock, DeadLetter } from "./types.js";

/** Enough for bursts, small enough that a runaway producer shows up as dead letters instead of memory growth. */
export const DEFAULT_MAILBOX_CAPACITY = 10_000;

export interface ResolvedActorSystemOptions {
  readonly id: string;
  readonly clock: Clock;
  readonly defaultMailboxCapacity: number;
  readonly onDeadLetter: ((letter: DeadLetter) => void) | undefined;
  readonly onError: ((error: unknown, address: Address) => void) | undefined;
  readonly random: () => number;
}

export function defaultActorSystemOptions(): ResolvedActorSystemOptions {
  return {
    id: randomUUID().replaceAll("-", "").slice(0, 12),
    clock: systemClock,
    defaultMailboxCapacity: DEFAULT_MAILBOX_CAPACITY,
    onDeadLetter: undefined,
    onError: undefined,
    random: Math.random,
  };
}

/** Merges `options` over the defaults, validates and freezes: the rest of the kernel never falls back on its own. */
export function resolveActorSystemOptions(options: ActorSystemOptions = {}): Readonly<ResolvedActorSystemOptions> {
  const defaults = defaultActorSystemOptions();
  return Object.freeze({
    id: options.id === undefined ? defaults.id : checkSystemId(options.id),
    clock: options.clock ?? defaults.clock,
    defaultMailboxCapacity: resolveCapacity(options.defaultMailboxCapacity, defaults.defaultMailboxCapacity),
    onDeadLetter: options.onDeadLetter?.bind(options),
    onError: options.onError?.bind(options),
    random: options.random?.bind(options) ?? defaults.random,
  });
}
