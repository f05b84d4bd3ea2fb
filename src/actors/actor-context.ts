import { ActorStoppedError } from "./errors.js";
import { LocalRef } from "./refs.js";
import { stopElsewhere } from "./links.js";
import type { Cell } from "./kernel-host.js";
import { spawnRemote } from "./remote-spawn.js";
import type { ActorContext, ActorLogic, ActorRef, ActorSystem, SpawnOptions } from "./types.js";

function noop(): void {}

/** A scheduleOnce timer; kept by its incarnation so it can be cleared when the incarnation ends. */
class ScheduledMessage<M> {
  handle: unknown = undefined;

  constructor(
    private readonly ctx: IncarnationContext<M>,
    private readonly message: M,
  ) {}

  fire(): void {
    this.ctx.timerFired(this, this.message);
  }
}

/**
 * The context of one incarnation. A new one is made on each (re)start, so anything an old incarnation started
 * (pipeToSelf, scheduleOnce) recognises that it ended and drops its result.
 */
export class IncarnationContext<M> implements ActorContext<M> {
  ended = false;
  private controller: AbortController | undefined = undefined;
  private timers: Set<ScheduledMessage<M>> | undefined = undefined;

  constructor(
    private readonly cell: Cell<M>,
    readonly attempt: number,
  ) {}

  get self(): ActorRef<M> {
    return this.cell.ref;
  }

  get parent(): ActorRef | undefined {
    return this.cell.parentRef;
  }

  get system(): ActorSystem {
    return this.cell.host.system;
  }

  /** Made on first read: most actors never look, and an AbortController per actor is not free. */
  get signal(): AbortSignal {
    if (this.controller === undefined) {
      this.controller = new AbortController();
      if (this.ended) this.controller.abort(new ActorStoppedError(this.cell.address));
    }
    return this.controller.signal;
  }

  spawn<C>(logic: ActorLogic<any, C>, options?: SpawnOptions): ActorRef<C> {
    if (this.ended) throw new ActorStoppedError(this.cell.address);
    return this.cell.spawnChild(logic, options);
  }

  spawnRemote<C>(systemId: string, kind: string, spec: unknown, options?: SpawnOptions): ActorRef<C> {
    if (this.ended) throw new ActorStoppedError(this.cell.address);
    return spawnRemote<C>(this.cell, systemId, kind, spec, options);
  }

  stop(ref?: ActorRef): void {
    if (ref === undefined) {
      if (!this.ended) this.cell.requestStop();
    } else if (ref instanceof LocalRef) {
      ref.cell.requestStop();
    } else {
      stopElsewhere(this.cell.host, ref);
    }
  }

  watch(ref: ActorRef): void {
    if (!this.ended) this.cell.linked().watch(ref);
  }

  unwatch(ref: ActorRef): void {
    this.cell.links?.unwatch(ref);
  }

  pipeToSelf<T>(promise: Promise<T>, onResolve: (value: T) => M, onReject: (error: unknown) => M): void {
    // Handlers are attached even when ended, so a late rejection is never reported as unhandled.
    promise.then(
      (value) => this.piped(onResolve, value),
      (error: unknown) => this.piped(onReject, error),
    );
  }

  fail(error: unknown): void {
    if (!this.ended) this.cell.handleFailure(error);
  }

  scheduleOnce(ms: number, message: M): () => void {
    if (this.ended) return noop;
    const timer = new ScheduledMessage(this, message);
    (this.timers ??= new Set()).add(timer);
    const clock = this.cell.host.clock;
    timer.handle = clock.setTimeout(() => timer.fire(), ms);
    return () => {
      if (this.timers?.delete(timer)) clock.clearTimeout(timer.handle);
    };
  }

  timerFired(timer: ScheduledMessage<M>, message: M): void {
    if (this.timers?.delete(timer) && !this.ended) this.cell.enqueueFor(this, message);
  }

  /** Ends the incarnation: aborts the signal if anyone asked for it and clears its timers. */
  end(cause: unknown): void {
    this.ended = true;
    if (this.controller !== undefined) {
      this.controller.abort(new ActorStoppedError(this.cell.address, cause === undefined ? {} : { cause }));
    }
    if (this.timers !== undefined) {
      const clock = this.cell.host.clock;
      for (const timer of this.timers) clock.clearTimeout(timer.handle);
      this.timers = undefined;
    }
  }

  private piped<T>(map: (value: T) => M, value: T): void {
    if (this.ended) return;
    let message: M;
    try {
      message = map(value);
    } catch (error) {
      this.fail(error);
      return;
    }
    this.cell.enqueueFor(this, message);
  }
}
