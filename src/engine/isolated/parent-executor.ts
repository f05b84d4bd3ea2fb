import { cancelled, ToolError, type WorkflowExecutorClient, type WorkflowExecutorMethod } from "../../tools/index.js";
import type { ExecutorReply, ToParent } from "./protocol.js";

interface Pending {
  resolve(value: unknown): void;
  reject(error: unknown): void;
}

/**
 * The executor an isolated process's `mcpworkflow_executor` tools call: each call goes to the parent over IPC and
 * runs there (so what it starts runs on the node, under the node's limits), and the reply comes back the same way.
 */
export class ParentExecutor implements WorkflowExecutorClient {
  readonly #send: (message: ToParent) => void;
  readonly #pending = new Map<number, Pending>();
  #nextId = 1;

  constructor(send: (message: ToParent) => void) {
    this.#send = send;
  }

  call(method: WorkflowExecutorMethod, params: Record<string, unknown>, ctx: { signal: AbortSignal; executionId?: string }): Promise<unknown> {
    const what = `workflow executor ${method}`;
    if (ctx.signal.aborted) return Promise.reject(cancelled(ctx.signal, what));
    const id = this.#nextId++;
    return new Promise((resolve, reject) => {
      const onAbort = () => {
        this.#pending.delete(id);
        this.#send({ t: "executor_cancel", id });
        reject(cancelled(ctx.signal, what));
      };
      ctx.signal.addEventListener("abort", onAbort, { once: true });
      const settle = () => ctx.signal.removeEventListener("abort", onAbort);
      this.#pending.set(id, { resolve: (value) => (settle(), resolve(value)), reject: (error) => (settle(), reject(error)) });
      this.#send({ t: "executor_call", id, method, params, executionId: ctx.executionId });
    });
  }

  /** A reply from the parent; one for a call that was cancelled meanwhile is dropped. */
  settle(reply: ExecutorReply): void {
    const pending = this.#pending.get(reply.id);
    if (pending === undefined) return;
    this.#pending.delete(reply.id);
    if (reply.ok) pending.resolve(reply.value);
    else pending.reject(new ToolError(reply.error.code as `WFX_${string}`, reply.error.message, reply.error.hint === undefined ? {} : { hint: reply.error.hint }));
  }
}
