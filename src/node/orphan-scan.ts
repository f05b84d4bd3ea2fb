import type { Runtime } from "../engine/internal.js";
import type { Logger } from "../observability/index.js";

/** Continues (or fails, per the resume policy) the executions of processes that died sharing the node's store, now and every `everyMs`. */
export class OrphanScan {
  readonly #engine: Runtime;
  readonly #logger: Logger;
  #timer: NodeJS.Timeout | undefined;
  #scanning = false;
  #stopped = false;

  constructor(engine: Runtime, logger: Logger) {
    this.#engine = engine;
    this.#logger = logger;
  }

  /** Scans once now (resolving when done), then every `everyMs` (0: never again). */
  start(everyMs: number): Promise<void> {
    if (everyMs > 0) this.#timer = setInterval(() => void this.scan(), everyMs).unref();
    return this.scan();
  }

  async scan(): Promise<void> {
    if (this.#scanning || this.#stopped) return;
    this.#scanning = true;
    try {
      const adopted = await this.#engine.recoverOrphans();
      if (adopted.length > 0) this.#logger.info({ adopted: adopted.length, policy: this.#engine.options.resumePolicy }, "adopted executions whose process died");
    } catch (error) {
      this.#logger.error({ err: error }, "looking for executions whose process died failed; will try again");
    } finally {
      this.#scanning = false;
    }
  }

  stop(): void {
    this.#stopped = true;
    clearInterval(this.#timer);
  }
}
