import { ProtocolError, ProtocolErrorCode } from "@modelcontextprotocol/server";
import type { Principal } from "../auth/index.js";
import { followExecution, type Operations } from "../operations/index.js";
import { NodeFacts, protocolError } from "./node-facts.js";
import { once } from "../../once.js";

const EXECUTION_URI = /^wfx:\/\/executions\/([^/?#]+)$/;

export function executionUri(executionId: string): string {
  return `wfx://executions/${encodeURIComponent(executionId)}`;
}

/** The execution id a `wfx://executions/ID` URI names; anything else cannot be subscribed to (workflow files change only with a deploy). */
export function subscribableExecution(uri: string): string {
  const match = EXECUTION_URI.exec(uri);
  if (match === null) throw new ProtocolError(ProtocolErrorCode.InvalidParams, `only executions can be subscribed to (wfx://executions/ID), not ${uri}`);
  return decodeURIComponent(match[1]!);
}

interface Followed {
  holders: number;
  stop: AbortController;
}

/**
 * Follows the executions somebody subscribes to and calls `changed(uri)` at each of their events, until they end or the
 * last subscriber lets go. One follower per execution however many subscribe to it (each would otherwise be told
 * twice), and each subscription counts among its caller's watches, as a watch_execution stream does.
 */
export class ExecutionUpdates {
  readonly #operations: Operations;
  readonly #gateway: string;
  readonly #changed: (uri: string) => void;
  readonly #followed = new Map<string, Followed>();

  constructor(operations: Operations, gateway: string, changed: (uri: string) => void) {
    this.#operations = operations;
    this.#gateway = gateway;
    this.#changed = changed;
  }

  /** Starts telling about `uri` if the caller may see that execution (else throws as for an unknown one); the returned function lets go (once). */
  async hold(uri: string, principal: Principal): Promise<() => void> {
    const executionId = subscribableExecution(uri);
    const record = await new NodeFacts(this.#operations, principal, this.#gateway).execution(executionId);
    if (record === undefined) throw new ProtocolError(ProtocolErrorCode.InvalidParams, `WFX_EXECUTION_NOT_FOUND: no execution with id ${executionId} that you may see`);
    let releaseWatch: () => void;
    try {
      releaseWatch = this.#operations.deps.watchers.acquire(principal);
    } catch (error) {
      throw protocolError(error, this.#operations);
    }
    // From the last event recorded now: what happens next is a change, what happened before is not.
    const afterSeq = (await this.#operations.deps.client.events(executionId, 0)).at(-1)?.seq ?? 0;
    const followed = this.#followed.get(uri) ?? this.#follow(uri, executionId, afterSeq);
    followed.holders++;
    return once(() => {
      releaseWatch();
      if (--followed.holders === 0) {
        followed.stop.abort();
        if (this.#followed.get(uri) === followed) this.#followed.delete(uri);
      }
    });
  }

  #follow(uri: string, executionId: string, afterSeq: number): Followed {
    const followed: Followed = { holders: 0, stop: new AbortController() };
    this.#followed.set(uri, followed);
    const sink = { write: () => (this.#changed(uri), true), onDrain() {} };
    void followExecution(this.#operations.deps, this.#gateway, executionId, afterSeq, sink, followed.stop.signal)
      .catch(() => undefined)
      .finally(() => {
        if (this.#followed.get(uri) === followed) this.#followed.delete(uri);
      });
    return followed;
  }

  /** Stops every follower (the endpoint is closing). */
  close(): void {
    for (const followed of this.#followed.values()) followed.stop.abort();
    this.#followed.clear();
  }
}
