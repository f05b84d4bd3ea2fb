import * as assert from "uvu/assert";
import { connectInMemory, createActorSystem, type ActorContext, type ActorLogic, type ActorRef, type ActorSystem, type ActorSystemOptions, type LocalActorSystem, type Signal } from "../../src/actors/index.js";

/** Records what arrives and lets a test wait for the item it needs; fails after 5 s instead of hanging. */
export class Probe<T> {
  readonly seen: T[] = [];
  private waiters: { match: (item: T) => boolean; resolve: (item: T) => void }[] = [];

  push(item: T): void {
    this.seen.push(item);
    const ready = this.waiters.filter((w) => w.match(item));
    this.waiters = this.waiters.filter((w) => !ready.includes(w));
    for (const w of ready) w.resolve(item);
  }

  /** The first item (already seen or still to come) that `match` accepts. */
  waitFor(match: (item: T) => boolean, what: string): Promise<T> {
    const found = this.seen.find(match);
    if (found !== undefined) return Promise.resolve(found);
    return new Promise((resolve, reject) => {
      const guard = setTimeout(() => reject(new Error(`no ${what} within 5 s; seen: ${JSON.stringify(this.seen.map(String))}`)), 5000);
      this.waiters.push({ match, resolve: (item) => (clearTimeout(guard), resolve(item)) });
    });
  }
}

export type Event = { message: unknown } | { signal: Signal };
export const isSignal = (type: Signal["type"], address?: string) => (e: Event) => "signal" in e && e.signal.type === type && (address === undefined || e.signal.ref.address === address);
export const isMessage = (value: unknown) => (e: Event) => "message" in e && JSON.stringify(e.message) === JSON.stringify(value);

/** An actor that records messages and signals, and runs functions sent to it in its own context. */
export function recorder(probe: Probe<Event>): ActorLogic<null, unknown> {
  return {
    start: () => null,
    receive(state, message, ctx) {
      if (typeof message === "function") (message as (ctx: ActorContext<unknown>) => void)(ctx);
      else probe.push({ message });
      return state;
    },
    onSignal: (state, signal) => (probe.push({ signal }), state),
  };
}

/** Runs `fn` inside the actor `ref` and resolves with its result (or rejects with what it threw). */
export function inside<T>(ref: ActorRef, fn: (ctx: ActorContext<unknown>) => T): Promise<T> {
  return new Promise((resolve, reject) => {
    ref.tell((ctx: ActorContext<unknown>) => {
      try {
        resolve(fn(ctx));
      } catch (error) {
        reject(error);
      }
    });
  });
}

/** What `promise` rejected with; fails the test if it fulfilled. */
export async function rejection(promise: Promise<unknown>): Promise<unknown> {
  return promise.then(
    (value) => assert.unreachable(`expected a rejection, got ${JSON.stringify(value)}`),
    (error: unknown) => error,
  );
}

/** The error a `terminated` signal carries. */
export function errorOf(event: Event): { code?: string; message: string } & Error {
  assert.ok("signal" in event && event.signal.type === "terminated");
  return (event as { signal: { error: { code?: string; message: string } & Error } }).signal.error;
}

type WorkerSpec = { name: string };
type EchoSpec = { greeting: string; audit?: ActorRef<string> };

/** The kinds a hosting system offers; `hosted` records what happens to them there. */
function registerKinds(system: ActorSystem, hosted: Probe<string>): void {
  system.registerKind<EchoSpec>("echo", (spec) => ({
    start: (ctx) => void spec.audit?.tell(`started ${ctx.self.address}`),
    receive: (state, m: { text: string; replyTo: ActorRef<string> }) => (m.replyTo.tell(`${spec.greeting} ${m.text}`), state),
  }));
  system.registerKind<WorkerSpec>("worker", (spec) => ({
    start: (ctx) => void ctx.parent?.tell({ up: spec.name, attempt: ctx.attempt, parent: ctx.parent.address }),
    receive(state, message: string, ctx) {
      if (message === "crash") throw new Error(`boom ${spec.name}`);
      if (message === "done") {
        ctx.parent?.tell(`bye ${spec.name}`);
        ctx.stop();
      } else ctx.parent?.tell(`${spec.name} got ${message}`);
      return state;
    },
    stopped: () => hosted.push(`stopped ${spec.name}`),
  }));
  system.registerKind<{ size?: number }>("picky", (spec) => {
    if (typeof spec.size !== "number") throw new TypeError("picky needs a numeric size");
    return { start: () => null, receive: (s) => s };
  });
}

/** In-memory linked systems, each offering the kinds above. */
export function systems(ids: string[], options: Partial<Record<string, ActorSystemOptions>> = {}): { all: LocalActorSystem[]; hosted: Probe<string> } {
  const hosted = new Probe<string>();
  const all = ids.map((id) => createActorSystem({ id, ...options[id] }));
  for (const system of all) registerKinds(system, hosted);
  for (let i = 0; i < all.length; i++) for (let j = i + 1; j < all.length; j++) connectInMemory(all[i]!, all[j]!);
  return { all, hosted };
}

export const terminate = (all: ActorSystem[]) => Promise.all(all.map((s) => s.terminate()));
