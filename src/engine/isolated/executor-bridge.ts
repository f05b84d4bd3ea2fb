import type { ChildProcess } from "node:child_process";
import { toErrorInfo } from "../../errors.js";
import type { WorkflowExecutorClient } from "../../tools/index.js";
import type { ExecutorCall, ExecutorCancel, ExecutorReply } from "./protocol.js";
import { given } from "../../present.js";

/**
 * The parent's side of ParentExecutor: runs the `mcpworkflow_executor` calls an isolated process sends on this node's
 * executor and sends the replies back. `abortAll` (the process ended) aborts what is still running, so a sync
 * execution it started is cancelled with it.
 */
export class ExecutorBridge {
  readonly #child: ChildProcess;
  readonly #executor: WorkflowExecutorClient;
  readonly #calls = new Map<number, AbortController>();

  constructor(child: ChildProcess, executor: WorkflowExecutorClient) {
    this.#child = child;
    this.#executor = executor;
  }

  handle(message: ExecutorCall | ExecutorCancel): void {
    if (message.t === "executor_cancel") {
      this.#calls.get(message.id)?.abort(new Error("the calling step in the isolated process was cancelled"));
      return;
    }
    const controller = new AbortController();
    this.#calls.set(message.id, controller);
    const ctx = { signal: controller.signal, ...given({ executionId: message.executionId }) };
    void this.#executor
      .call(message.method, message.params, ctx)
      .then(
        (value): ExecutorReply => ({ t: "executor_reply", id: message.id, ok: true, value }),
        (error: unknown): ExecutorReply => ({ t: "executor_reply", id: message.id, ok: false, error: toErrorInfo(error) }),
      )
      .then((reply) => {
        this.#calls.delete(message.id);
        this.#reply(reply);
      });
  }

  #reply(reply: ExecutorReply): void {
    if (!this.#child.connected) return; // the process is gone; its exit ends the execution
    try {
      this.#child.send(reply);
    } catch (error) {
      // A result that cannot cross the process boundary (a function, say) is the call's failure, not the node's.
      this.#child.send({ t: "executor_reply", id: reply.id, ok: false, error: toErrorInfo(error) } satisfies ExecutorReply);
    }
  }

  abortAll(): void {
    for (const controller of this.#calls.values()) controller.abort(new Error("the isolated process ended"));
    this.#calls.clear();
  }
}
