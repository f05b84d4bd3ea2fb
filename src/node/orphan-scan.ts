import type { NodeRegistry, Resumed, Runtime } from "../engine/internal.js";
import type { Logger } from "../observability/index.js";

/**
 * Continues (or fails, per the resume policy) the executions of processes that died sharing the node's store, and
 * queues again the ones they had queued, now and every `everyMs`.
 */
export class OrphanScan {
  readonly #engine: Runtime;
  readonly #logger: Logger;
  /** Puts queued executions of dead processes back in this node's line (a node that runs executions), after orphans are adopted. */
  readonly #requeue: (() => Promise<void>) | undefined;
  /** How an adopted execution counts under its keys here: before anything queued behind them is put back in line. */
  readonly #resumed: Resumed | undefined;
  #timer: NodeJS.Timeout | undefined;
  #scanning = false;
  #again = false;
  #stopped = false;
  #stopWatch: (() => void) | undefined;

  constructor(engine: Runtime, logger: Logger, ways: { requeue?: (() => Promise<void>) | undefined; resumed?: Resumed | undefined } = {}) {
    this.#engine = engine;
    this.#logger = logger;
    this.#requeue = ways.requeue;
    this.#resumed = ways.resumed;
  }

  /**
   * Scans once now (resolving when done), then every `everyMs` (0: never again), and at once whenever `nodes` sees a
   * node go down (a crash is known in milliseconds; the next periodic scan may be seconds away).
   */
  start(everyMs: number, nodes?: NodeRegistry): Promise<void> {
    if (everyMs > 0) {
      this.#timer = setInterval(() => void this.scan(), everyMs).unref();
      this.#stopWatch = nodes?.watch(Number.MAX_SAFE_INTEGER, (event) => {
        if (event.type === "node.down") void this.scan();
      });
    }
    return this.scan();
  }

  async scan(): Promise<void> {
    if (this.#stopped) return;
    // A scan asked for while one runs follows it: a node that went down meanwhile may not have been seen by it.
    if (this.#scanning) {
      this.#again = true;
      return;
    }
    this.#scanning = true;
    try {
      const adopted = await this.#engine.recoverOrphans(this.#resumed);
      if (adopted.length > 0) this.#logger.info({ adopted: adopted.length, policy: this.#engine.options.resumePolicy }, "adopted executions whose process died");
      await this.#requeue?.();
    } catch (error) {
      this.#logger.error({ err: error }, "looking for executions whose process died failed; will try again");
    } finally {
      this.#scanning = false;
    }
    if (this.#again) {
      this.#again = false;
      void this.scan();
    }
  }

  stop(): void {
    this.#stopped = true;
    clearInterval(this.#timer);
    this.#stopWatch?.();
  }
}
