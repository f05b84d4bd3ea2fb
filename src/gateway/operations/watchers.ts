import type { Principal } from "../auth/index.js";
import { NodeWatchersFullError, TokenWatchersFullError } from "../errors.js";
import { TokenCounts } from "./token-counts.js";
import { once } from "../../once.js";

/**
 * Open watches (SSE streams, gRPC WatchExecution / WatchNodes, watch_execution waits), each holding a socket and a
 * follower: a token may hold its `max_watchers`, the node `max` in all, kept well below its open-file limit.
 */
export class Watchers {
  readonly max: number;
  #open = 0;
  readonly #byToken = new TokenCounts();

  constructor(max: number) {
    this.max = max;
  }

  get open(): number {
    return this.#open;
  }

  /** Takes a watch for the caller or throws TokenWatchersFullError / NodeWatchersFullError; the returned function gives it back (once). */
  acquire(principal: Principal): () => void {
    const releaseToken = this.#byToken.take(principal.id, principal.maxWatchers, (held) => new TokenWatchersFullError(principal.id, held));
    if (this.#open >= this.max) {
      releaseToken();
      throw new NodeWatchersFullError(this.max);
    }
    this.#open++;
    return once(() => {
      this.#open--;
      releaseToken();
    });
  }
}
