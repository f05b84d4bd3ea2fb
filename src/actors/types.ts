/** Public types of the actor kernel. The kernel knows nothing of workflows, NATS, gRPC or MCP. */

/** Where an actor lives: `wfx://<systemId>/<path>`; the same string works in any process that has a transport to it. */
export type Address = string;

export interface ActorRef<M = unknown> {
  readonly address: Address;
  /** Fire and forget. A message to a stopped actor or a full mailbox goes to dead letters; it never throws. */
  tell(message: M): void;
}

/** Injected so timers (backoff, ask timeouts) can be tested on a simulated clock. */
export interface Clock {
  now(): number;
  setTimeout(fn: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
}

export interface BackoffPolicy {
  initialMs: number;
  maxMs: number;
  multiplier: number;
  /** 0..1: the share of each delay that is randomised (full jitter on that share). */
  jitter: number;
}

/** One-for-one restart: the failed child alone is restarted, after a backoff, while its budget lasts. */
export interface RestartPolicy {
  kind: "restart";
  /** Restarts allowed within `withinMs` before the child is stopped for good with its last error. */
  maxRestarts: number;
  withinMs: number;
  backoff: BackoffPolicy;
}

/** What a parent does when a child fails: restart it, stop it (parent is told), or fail the parent too. */
export type SupervisionPolicy = RestartPolicy | { kind: "stop" } | { kind: "escalate" };

export interface SpawnOptions {
  /** Unique among siblings; generated when absent. */
  name?: string;
  supervision?: SupervisionPolicy;
  /** Messages waiting beyond this go to dead letters (`reason: "mailbox_full"`). */
  mailboxCapacity?: number;
}

/** Signals are kernel notices delivered to `onSignal`, never mixed with the actor's own messages. */
export type Signal =
  /** A watched actor (every child is watched by its parent) stopped; `error` is set when it stopped because it failed. */
  | { type: "terminated"; ref: ActorRef; error?: unknown }
  /** A child failed and will be restarted after `delayMs`; `attempt` is the incarnation about to start (2 = first restart). */
  | { type: "child_restarting"; ref: ActorRef; error: unknown; attempt: number; delayMs: number };

export interface ActorContext<M> {
  readonly self: ActorRef<M>;
  readonly parent: ActorRef | undefined;
  readonly system: ActorSystem;
  /** Aborted when this incarnation ends (stop, restart or failure): hand it to any async work the actor starts. */
  readonly signal: AbortSignal;
  /** 1 on first start, incremented on each restart. */
  readonly attempt: number;
  spawn<C>(logic: ActorLogic<any, C>, options?: SpawnOptions): ActorRef<C>;
  /**
   * Spawns a child on system `systemId` (this one included) from the logic it registered as `kind`, built there
   * from `spec`: plain data, refs allowed. The ref works at once: messages sent before the child started arrive
   * after its start, in order. What the call site can see throws here (bad options, no route, on this system an
   * unknown kind); what only the hosting system can see (unknown kind there, a throwing factory, a taken name)
   * arrives as `terminated` with the error. The hosting system applies `supervision`: restarts happen there and
   * `child_restarting`, `terminated` and escalations travel back to this actor.
   */
  spawnRemote<C>(systemId: string, kind: string, spec: unknown, options?: SpawnOptions): ActorRef<C>;
  /** Stops a child, or any actor, of this system or another (or this actor when no ref is given). */
  stop(ref?: ActorRef): void;
  /**
   * Delivers `terminated` when `ref` stops, wherever it lives: at once when it cannot be reached (the error is then
   * WFX_NO_ROUTE), after a round trip when it is gone already, and when its system is declared down (WFX_ACTOR_SYSTEM_DOWN).
   */
  watch(ref: ActorRef): void;
  unwatch(ref: ActorRef): void;
  /** Delivers the outcome of async work as a message, only if this incarnation is still running. */
  pipeToSelf<T>(promise: Promise<T>, onResolve: (value: T) => M, onReject: (error: unknown) => M): void;
  /** Fails this actor as if `receive` had thrown: its parent's supervision decides what happens. */
  fail(error: unknown): void;
  /** Sends `message` to self after `ms`; the returned function cancels it. Cleared when the incarnation ends. */
  scheduleOnce(ms: number, message: M): () => void;
}

/** Actor logic is a plain object; the kernel runs it. `receive` may throw: that is a failure the parent supervises. */
export interface ActorLogic<S, M> {
  start(ctx: ActorContext<M>): S;
  receive(state: S, message: M, ctx: ActorContext<M>): S;
  onSignal?(state: S, signal: Signal, ctx: ActorContext<M>): S;
  /** Cleanup when an incarnation ends for any reason. */
  stopped?(state: S, ctx: ActorContext<M>): void;
}

/**
 * Carries messages to actors of another system (another process or node); implemented by adapters outside the
 * kernel. Messages are plain data (refs are encoded as `{ $wfxRef: address }`), and those for one system must
 * arrive in the order sent: a remote spawn and the messages that follow it rely on it. Kernel messages (spawn,
 * stop, watch, terminated...) travel the same way, to the address `wfx://<systemId>/$$system`.
 */
export interface Transport {
  /** Returning false (a closed link) or throwing makes the send fail at once: dead letter, asks rejected. */
  send(address: Address, message: unknown): void | boolean;
}

/** Builds the logic of a kind from a data-only spec, on the system where the actor is to run. */
export type ActorKindFactory<Spec = any> = (spec: Spec) => ActorLogic<any, any>;

export interface DeadLetter {
  address: Address;
  message: unknown;
  reason: "stopped" | "mailbox_full" | "no_route";
}

export interface ActorSystemOptions {
  /** Identifies this system in addresses; defaults to a random id. */
  id?: string;
  clock?: Clock;
  defaultMailboxCapacity?: number;
  onDeadLetter?(letter: DeadLetter): void;
  /** Errors no actor can handle: a top-level actor stopped by a failure, a throwing `stopped` hook or `onDeadLetter`, a throwing transport. */
  onError?(error: unknown, address: Address): void;
  /** Source of backoff jitter, 0..1; inject for deterministic tests. */
  random?(): number;
}

export interface AskOptions {
  timeoutMs: number;
  signal?: AbortSignal;
}

export interface ActorSystem {
  readonly id: string;
  readonly clock: Clock;
  spawn<M>(logic: ActorLogic<any, M>, options?: SpawnOptions): ActorRef<M>;
  stop(ref: ActorRef): void;
  /** Sends `build(replyTo)` and resolves with the first reply; rejects with AskTimeoutError after `timeoutMs`. */
  ask<R, M = unknown>(ref: ActorRef<M>, build: (replyTo: ActorRef<R>) => M, options: AskOptions): Promise<R>;
  /** A ref for any address: local actors directly, others through the transport registered for their system id. */
  refFor<M = unknown>(address: Address): ActorRef<M>;
  /** Routes addresses `wfx://<systemId>/...` through `transport`. */
  registerTransport(systemId: string, transport: Transport): void;
  /**
   * Drops the route to `systemId`: later sends there fail at once (asks reject with WFX_NO_ROUTE, tells are dead
   * letters) and so do asks waiting for a reply from there; local actors watching or parenting actors there get
   * `terminated` with WFX_NO_ROUTE, since no word of their end could arrive any more.
   */
  removeTransport(systemId: string): void;
  /**
   * Declares system `systemId` gone (the cluster's failure detector calls it): every local watcher and parent of an
   * actor it hosted gets `terminated` with WFX_ACTOR_SYSTEM_DOWN, asks waiting on it reject, the route is dropped,
   * and the children it had spawned here are stopped, as nobody is left to supervise them.
   */
  nodeDown(systemId: string): void;
  /** Makes `kind` spawnable here by `spawnRemote` from any system with a route to this one. */
  registerKind<Spec>(kind: string, factory: ActorKindFactory<Spec>): void;
  /** Entry point for transports: a message that arrived for a local address. */
  deliver(address: Address, message: unknown): void;
  /** Stops every actor (children before parents) and resolves when all are stopped. */
  terminate(): Promise<void>;
}

/** What `createActorSystem` returns: the system plus read-only counters for metrics and leak checks. */
export interface LocalActorSystem extends ActorSystem {
  /** Live actors, i.e. entries in the address map, stand-ins for parents on other systems included (0 after everything stopped). */
  readonly actorCount: number;
  /** Asks still waiting for their reply. */
  readonly pendingAskCount: number;
}
