import { ActorStoppedError, AskTimeoutError, MailboxFullError, NoRouteError } from "./errors.js";
import type { KernelHost } from "./kernel-host.js";
import { REF_KEY } from "./ref-codec.js";
import { DELIVERED, TARGET_FULL, TARGET_STOPPED, type Delivery } from "./delivery.js";
import { isKernelRef, SEND, type KernelRef } from "./refs.js";
import type { ActorRef, Address, AskOptions } from "./types.js";

/** The reply side of an ask: not an actor, just a ref whose first message settles the promise. */
export class AskRef<R> implements KernelRef<R> {
  private done = false;
  private timer: unknown = undefined;
  private signal: AbortSignal | undefined = undefined;
  private registered: Address | undefined = undefined;

  constructor(
    private readonly host: KernelHost,
    readonly target: Address,
    private readonly resolve: (value: R) => void,
    private readonly reject: (error: unknown) => void,
  ) {}

  /** Made on first read only: a local ask never needs an address, one sent to another system does. */
  get address(): Address {
    if (this.registered === undefined) {
      this.registered = this.host.nextAskAddress();
      if (!this.done) this.host.registerAsk(this.registered, this); // so `deliver` finds it; removed when settled
    }
    return this.registered;
  }

  tell(message: R): void {
    this[SEND](message);
  }

  [SEND](message: unknown): Delivery {
    if (this.done) {
      this.host.deadLetter(this.address, message, "stopped"); // a late or second reply
      return TARGET_STOPPED;
    }
    this.settle();
    this.resolve(message as R);
    return DELIVERED;
  }

  arm(timeoutMs: number, signal: AbortSignal | undefined): void {
    this.host.addPendingAsk(this);
    if (Number.isFinite(timeoutMs)) this.timer = this.host.clock.setTimeout(() => this.fail(new AskTimeoutError(this.target, timeoutMs)), timeoutMs);
    if (signal !== undefined) {
      this.signal = signal;
      signal.addEventListener("abort", this, { once: true });
    }
  }

  /** Abort listener without a closure. */
  handleEvent(): void {
    this.fail(this.signal!.reason);
  }

  fail(error: unknown): void {
    if (this.done) return;
    this.settle();
    this.reject(error);
  }

  toString(): string {
    return this.address;
  }

  toJSON(): unknown {
    return { [REF_KEY]: this.address };
  }

  private settle(): void {
    this.done = true;
    if (this.timer !== undefined) this.host.clock.clearTimeout(this.timer);
    this.signal?.removeEventListener("abort", this);
    this.host.askSettled(this, this.registered);
  }
}

function refusal(outcome: Delivery, address: Address): Error {
  if (outcome === TARGET_FULL) return new MailboxFullError(address);
  if (outcome === TARGET_STOPPED) return new ActorStoppedError(address);
  return new NoRouteError(address);
}

/** Sends `build(replyTo)` to `target`; fails at once when the kernel knows the message cannot arrive. */
export function ask<R, M>(host: KernelHost, target: ActorRef<M>, build: (replyTo: ActorRef<R>) => M, options: AskOptions): Promise<R> {
  if (host.terminating) return Promise.reject(new ActorStoppedError(target.address));
  const signal = options.signal;
  if (signal?.aborted) return Promise.reject(signal.reason);
  return new Promise<R>((resolve, reject) => {
    const reply = new AskRef<R>(host, target.address, resolve, reject);
    let message: M;
    try {
      message = build(reply);
    } catch (error) {
      reply.fail(error); // also forgets its address if `build` read it
      return;
    }
    reply.arm(options.timeoutMs, signal);
    if (isKernelRef(target)) {
      const outcome = target[SEND](message);
      if (outcome !== DELIVERED) reply.fail(refusal(outcome, target.address));
    } else {
      try {
        target.tell(message); // a ref written outside the kernel
      } catch (error) {
        reply.fail(error);
      }
    }
  });
}
