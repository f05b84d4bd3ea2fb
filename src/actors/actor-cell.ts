import { IncarnationContext } from "./actor-context.js";
import { checkName } from "./address.js";
import { deadLetterQueued, tellEnded } from "./cell-end.js";
import { addChild, childrenOf, removeChild, type TreeNode } from "./child-list.js";
import { DELIVERED, TARGET_FULL, TARGET_STOPPED, type Delivery } from "./delivery.js";
import { Envelope, IncarnationEnvelope, isNotSignal, letterOf, SignalEnvelope } from "./envelopes.js";
import { ActorNameTakenError, ActorStoppedError } from "./errors.js";
import type { Cell, KernelHost } from "./kernel-host.js";
import { Links } from "./links.js";
import { Mailbox } from "./mailbox.js";
import { LocalRef } from "./refs.js";
import { RestartBackoff } from "./restart-backoff.js";
import type { Runnable } from "./scheduler.js";
import { resolveCapacity, resolveSupervision } from "./supervision.js";
import type { ActorLogic, ActorRef, Address, RestartPolicy, Signal, SpawnOptions, SupervisionPolicy } from "./types.js";

const RUNNING = 0;
const BACKOFF = 1; // failed, waiting to restart: messages are kept, not processed
const STOPPING = 2; // ending an incarnation: children, watches, `stopped` hook
const STOPPED = 3;

/** Messages per turn before other ready actors get theirs. */
const BATCH = 64;

/** Runs one actor: its mailbox, one message at a time, its incarnations and its supervision by the parent. */
export class ActorCell<S = any, M = any> implements Runnable, Cell<M>, TreeNode<ActorCell> {
  readonly ref: LocalRef<M>;
  readonly parentRef: ActorRef | undefined;
  private readonly mailbox: Mailbox<unknown>;
  private ctx: IncarnationContext<M>;
  private state: S | undefined = undefined;
  private status = RUNNING;
  private scheduled = false;
  /** A callback of this actor is on the stack: stop and failure requests wait until it returns. */
  private processing = false;
  private stopRequested = false;
  private failed = false;
  /** Signals in the mailbox: they bypass and do not use up the capacity, which is for messages. */
  private queuedSignals = 0;
  private failure: unknown = undefined;
  firstChild: ActorCell | undefined = undefined;
  prevSibling: ActorCell | undefined = undefined;
  nextSibling: ActorCell | undefined = undefined;
  /** Local actors watching this one; those on other systems are kept by the system. */
  private watchers: Set<ActorCell> | undefined = undefined;
  private backoff: RestartBackoff | undefined = undefined;
  /** This incarnation's watches and children on other systems; made by `linked()` on first use. */
  links: Links | undefined = undefined;

  constructor(
    readonly host: KernelHost,
    private readonly logic: ActorLogic<S, M>,
    readonly address: Address,
    readonly parent: ActorCell | undefined,
    private readonly supervision: SupervisionPolicy,
    capacity: number,
  ) {
    this.ref = new LocalRef<M>(this);
    this.parentRef = parent?.parentRefForChildren();
    this.mailbox = new Mailbox(capacity);
    this.ctx = new IncarnationContext<M>(this, 1);
  }

  spawnChild<C>(logic: ActorLogic<any, C>, options: SpawnOptions | undefined): ActorRef<C> {
    const host = this.host;
    if (this.status !== RUNNING || host.terminating) throw new ActorStoppedError(this.address);
    const name = options?.name;
    const address = this.address + "/" + (name === undefined ? host.nextName() : checkName(name));
    if (name !== undefined && host.isTaken(address)) throw new ActorNameTakenError(address);
    const supervision = resolveSupervision(options?.supervision);
    const capacity = resolveCapacity(options?.mailboxCapacity, host.defaultMailboxCapacity);
    const child = new ActorCell<unknown, C>(host, logic, address, this, supervision, capacity);
    this.attachChild(child);
    return child.ref;
  }

  /** Registers and starts `child`, made with this cell as its parent. */
  attachChild(child: ActorCell): void {
    this.host.register(child);
    addChild<ActorCell>(this, child);
    child.startIncarnation();
  }

  /** What children see as `ctx.parent`: this actor, or nothing under the guardian. */
  parentRefForChildren(): ActorRef | undefined {
    return this.parent === undefined ? undefined : this.ref;
  }

  /** A child with the escalate policy failed: this actor fails in its place. */
  childEscalated(_child: ActorCell, error: unknown): void {
    this.handleFailure(error);
  }

  get isRunning(): boolean {
    return this.status === RUNNING;
  }

  linked(): Links {
    return (this.links ??= new Links(this));
  }

  enqueue(message: unknown): Delivery {
    if (this.status === STOPPED) {
      this.host.deadLetter(this.address, letterOf(message), "stopped");
      return TARGET_STOPPED;
    }
    if (this.mailbox.size - this.queuedSignals >= this.mailbox.capacity) {
      this.host.deadLetter(this.address, letterOf(message), "mailbox_full");
      return TARGET_FULL;
    }
    this.mailbox.push(message);
    if (!this.scheduled && this.status === RUNNING) this.schedule();
    return DELIVERED;
  }

  /** Queues a result of async work started by incarnation `owner`; it is dropped if that incarnation is gone by then. */
  enqueueFor(owner: IncarnationContext<M>, message: M): void {
    this.enqueue(new IncarnationEnvelope(owner, message));
  }

  runTurn(): boolean {
    const mailbox = this.mailbox;
    let budget = BATCH;
    while (this.status === RUNNING && mailbox.size > 0 && budget-- > 0) {
      const message = mailbox.shift();
      this.processing = true;
      try {
        if (message instanceof Envelope) this.processEnvelope(message);
        else this.state = this.logic.receive(this.state as S, message as M, this.ctx);
      } catch (error) {
        this.processing = false;
        this.failed = false;
        this.handleFailure(error);
        continue;
      }
      this.processing = false;
      if (this.failed || this.stopRequested) this.applyPending();
    }
    if (this.status === RUNNING && mailbox.size > 0) return true;
    this.scheduled = false;
    return false;
  }

  /** Stops this actor for good, after the current message if it is processing one; queued messages become dead letters. */
  requestStop(): void {
    const status = this.status;
    if (status === STOPPED) return;
    if (this.processing || status === STOPPING) {
      this.stopRequested = true; // honoured when the callback returns, or instead of a restart in progress
      return;
    }
    if (status === RUNNING) this.endIncarnation(undefined);
    this.finalize(false, undefined, true);
  }

  /** A failure of this actor (receive/start/onSignal threw, or ctx.fail): the parent's policy for it decides. */
  handleFailure(error: unknown): void {
    if (this.status !== RUNNING) return;
    if (this.processing) {
      if (!this.failed) {
        this.failed = true;
        this.failure = error;
      }
      return;
    }
    this.failed = false;
    this.failure = undefined;
    const policy = this.supervision;
    const parent = this.parent!;
    this.endIncarnation(error);
    if (this.stopRequested || parent.status !== RUNNING || policy.kind === "stop" || (policy.kind === "escalate" && parent.parent === undefined)) {
      this.finalize(true, error, true);
    } else if (policy.kind === "escalate") {
      this.finalize(true, error, false); // the parent fails in its place; its own supervisor is told
      parent.childEscalated(this, error);
    } else {
      this.scheduleRestart(policy, error);
    }
  }

  /** False when this actor has stopped already: the watcher gets `terminated` at once. */
  addWatcher(watcher: ActorCell): boolean {
    if (this.status === STOPPED) return false;
    (this.watchers ??= new Set()).add(watcher);
    return true;
  }

  removeWatcher(watcher: ActorCell): void {
    this.watchers?.delete(watcher);
  }

  /** Stops every child (used on incarnation end and system terminate). */
  stopChildren(): void {
    for (const child of childrenOf<ActorCell>(this)) child.requestStop();
  }

  private schedule(): void {
    if (this.scheduled) return;
    this.scheduled = true;
    this.host.scheduler.enqueue(this);
  }

  private startIncarnation(): void {
    this.processing = true;
    try {
      this.state = this.logic.start(this.ctx);
    } catch (error) {
      this.processing = false;
      this.failed = false;
      this.handleFailure(error);
      return;
    }
    this.processing = false;
    if (this.failed || this.stopRequested) this.applyPending();
    else if (this.mailbox.size > 0) this.schedule();
  }

  private processEnvelope(envelope: Envelope): void {
    if (envelope instanceof SignalEnvelope) {
      this.queuedSignals--;
      if (this.logic.onSignal !== undefined) this.state = this.logic.onSignal(this.state as S, envelope.signal, this.ctx);
    } else if ((envelope as IncarnationEnvelope).owner === this.ctx) {
      this.state = this.logic.receive(this.state as S, (envelope as IncarnationEnvelope).message as M, this.ctx);
    }
  }

  private applyPending(): void {
    if (this.failed) {
      this.handleFailure(this.failure);
    } else {
      this.stopRequested = false;
      this.requestStop();
    }
  }

  enqueueSignal(signal: Signal): void {
    if (this.status !== RUNNING || this.logic.onSignal === undefined) return;
    this.mailbox.push(new SignalEnvelope(signal));
    this.queuedSignals++;
    this.schedule();
  }

  private scheduleRestart(policy: RestartPolicy, error: unknown): void {
    const attempt = this.ctx.attempt + 1;
    const delayMs = (this.backoff ??= new RestartBackoff(this.host)).schedule(policy, () => this.restart(attempt));
    if (delayMs === undefined) return this.finalize(true, error, true);
    this.status = BACKOFF;
    this.mailbox.retain(isNotSignal); // signals were about the old incarnation's children and watches
    this.queuedSignals = 0;
    this.parent!.enqueueSignal({ type: "child_restarting", ref: this.ref, error, attempt, delayMs });
  }

  private restart(attempt: number): void {
    if (this.status !== BACKOFF) return;
    this.status = RUNNING;
    this.ctx = new IncarnationContext<M>(this, attempt);
    this.startIncarnation();
  }

  /** Abort the signal and timers, stop children, drop watches, then the `stopped` hook. */
  private endIncarnation(cause: unknown): void {
    this.status = STOPPING;
    const ctx = this.ctx;
    ctx.end(cause);
    if (this.firstChild !== undefined) this.stopChildren();
    if (this.links !== undefined) {
      this.links.end();
      this.links = undefined;
    }
    if (this.logic.stopped !== undefined) {
      this.processing = true;
      try {
        this.logic.stopped(this.state as S, ctx);
      } catch (error) {
        this.host.reportError(error, this.address);
      }
      this.processing = false;
    }
    this.state = undefined;
  }

  /** The end: unregister, dead-letter what is queued, tell the parent and watchers. */
  private finalize(failed: boolean, error: unknown, notifyParent: boolean): void {
    this.status = STOPPED;
    this.stopRequested = false;
    this.backoff?.cancel();
    const parent = this.parent!;
    removeChild<ActorCell>(parent, this);
    this.host.unregister(this, failed, error);
    this.queuedSignals = 0;
    deadLetterQueued(this.mailbox, this.host, this.address);
    const watchers = this.watchers;
    this.watchers = undefined;
    const parentListens = notifyParent && parent.status === RUNNING && parent.logic.onSignal !== undefined;
    tellEnded(this, failed, error, parentListens ? parent : undefined, watchers);
    if (failed && parent.parent === undefined) this.host.reportError(error, this.address); // nobody above a top-level actor
  }
}
