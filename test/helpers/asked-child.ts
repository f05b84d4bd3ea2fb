import { fork, type ChildProcess } from "node:child_process";

/** What every child speaks: a start it answers `ready` to, and a stop it exits on. */
type Base = { t: string };

/** A message to a child that is answered, without its `q` (added when sent); distributed over the union. */
type Question<To> = Extract<To, { q: number }> extends infer Q ? (Q extends unknown ? Omit<Q, "q"> : never) : never;

/**
 * A forked child process of simulated members driven over IPC: started with one message (resolved once it says
 * `ready`), asked questions whose answers come back with the question's number `q`, stopped with `{t: "stop"}`.
 */
export class AskedChild<To extends Base, From extends Base> {
  #q = 0;
  readonly #pending = new Map<number, (m: From) => void>();

  private constructor(readonly child: ChildProcess) {
    child.on("message", (m: From) => {
      if ("q" in m && typeof m.q === "number") {
        this.#pending.get(m.q)?.(m);
        this.#pending.delete(m.q);
      }
    });
  }

  static async start<To extends Base, From extends Base>(module: URL, start: To): Promise<AskedChild<To, From>> {
    const child = fork(module, [], { stdio: ["ignore", "inherit", "inherit", "ipc"] });
    const ready = new Promise<void>((resolve) => child.on("message", (m: Base) => m.t === "ready" && resolve()));
    child.send(start);
    await ready;
    return new AskedChild<To, From>(child);
  }

  /** Sends `message` numbered, and resolves with the answer carrying its number. */
  ask<T extends From>(message: Question<To>): Promise<T> {
    const q = ++this.#q;
    return new Promise((resolve) => {
      this.#pending.set(q, resolve as (m: From) => void);
      this.child.send({ ...message, q });
    });
  }

  tell(message: To): void {
    this.child.send(message);
  }

  async stop(): Promise<void> {
    const stopped = new Promise<void>((resolve) => this.child.once("exit", () => resolve()));
    this.child.send({ t: "stop" });
    await stopped;
  }
}
