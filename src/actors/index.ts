export type {
  ActorContext,
  ActorKindFactory,
  ActorLogic,
  ActorRef,
  ActorSystem,
  ActorSystemOptions,
  Address,
  AskOptions,
  BackoffPolicy,
  Clock,
  DeadLetter,
  LocalActorSystem,
  RestartPolicy,
  Signal,
  SpawnOptions,
  SupervisionPolicy,
  Transport,
} from "./types.js";
export { createActorSystem } from "./actor-system.js";
export { SimulatedClock, systemClock } from "./clock.js";
export { backoffDelay } from "./backoff.js";
export { DEFAULT_MAILBOX_CAPACITY } from "./actor-system-options.js";
export { InMemoryTransport, connectInMemory } from "./in-memory-transport.js";
export {
  ACTOR_ERROR_CODES,
  ActorNameTakenError,
  ActorStoppedError,
  ActorSystemDownError,
  AskTimeoutError,
  InvalidActorOptionError,
  MailboxFullError,
  NoRouteError,
  RemoteActorError,
  UnknownActorKindError,
} from "./errors.js";
