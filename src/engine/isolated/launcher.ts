import { fork, type ChildProcess } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import type { ActorRef, ActorSystem } from "../../actors/index.js";
import { secretNames, type WorkflowFile } from "../../config/index.js";
import type { ExecutionRecorder } from "../recorder.js";
import type { IsolatedOptions } from "../runtime-options.js";
import { toErrorInfo } from "../../errors.js";
import { CancelledError, ExecutionTimeoutError } from "../errors.js";
import { describeFailure } from "../storable.js";
import type { ErrorInfo, ExecutionEvent } from "../types.js";
import type { WorkflowExecutorClient } from "../../tools/index.js";
import { ExecutorBridge } from "./executor-bridge.js";
import { RateLimiterBridge } from "./rate-limiter-bridge.js";
import type { ModelRateLimiter } from "../../agents/index.js";
import { IpcTransport } from "./ipc-transport.js";
import { isolatedSystemId, type ExecuteOrder, type ToParent } from "./protocol.js";
import { tracingEnvOf } from "../../observability/tracing-config.js";

const CHILD_MAIN = fileURLToPath(new URL("./child-main.js", import.meta.url));

interface Spare {
  child: ChildProcess;
  tempDir: string;
  ready: Promise<void>;
}

interface Running {
  executionId: string;
  child: ChildProcess;
  /** What to record if the process ends before its supervisor reported the end. */
  endAs: { type: "execution.failed" | "execution.cancelled" | "execution.timeout"; error: ErrorInfo };
  killTimer?: NodeJS.Timeout;
  deadline?: NodeJS.Timeout;
}

/** The isolated process ended: what to record if its execution had not ended by then. */
interface ProcessExited {
  exited: true;
  endAs: Running["endAs"];
}

/** What the runtime hands over; the launcher adds where events go and which env values travel. */
export type LaunchRequest = Omit<ExecuteOrder, "t" | "reporter" | "parentSystemId" | "node" | "executor">;

/** Only the variables a workflow names as `${env.X}`, or as `${X}` secrets in its tools' and agents' definitions, travel to its isolated process. */
function referencedEnv(file: WorkflowFile, env: Record<string, string | undefined>): Record<string, string | undefined> {
  const picked: Record<string, string | undefined> = {};
  for (const match of JSON.stringify(file).matchAll(/\$\{env\.([A-Za-z_][A-Za-z0-9_]*)\}/g)) picked[match[1]!] = env[match[1]!];
  for (const name of secretNames([file.tools, file.agents])) if (env[name] !== undefined) picked[name] = env[name];
  return picked;
}

/**
 * Runs executions in separate OS processes, one execution per process, with a scrubbed environment, a temp dir of
 * their own, and a heap cap. A warm spare is kept started so a launch does not wait for Node to boot.
 */
export class IsolatedLauncher {
  readonly #system: ActorSystem;
  readonly #recorder: ExecutionRecorder;
  readonly #options: IsolatedOptions;
  readonly #executor: WorkflowExecutorClient | undefined;
  readonly #limiter: ModelRateLimiter;
  readonly #spares: Spare[] = [];
  readonly #running = new Map<string, Running>();
  #closed = false;

  /**
   * `node.executor` serves the `mcpworkflow_executor` calls made inside isolated processes (without one they are
   * refused); their model calls wait for their share on `node.limiter`, as the node's own do.
   */
  constructor(system: ActorSystem, recorder: ExecutionRecorder, options: IsolatedOptions, node: { executor: WorkflowExecutorClient | undefined; limiter: ModelRateLimiter }) {
    this.#system = system;
    this.#recorder = recorder;
    this.#options = options;
    this.#executor = node.executor;
    this.#limiter = node.limiter;
  }

  /** Starts the warm spares now rather than at the first launch. */
  warm(): void {
    while (!this.#closed && this.#spares.length < this.#options.warmSpares) this.#spares.push(this.#forkSpare());
  }

  #forkSpare(): Spare {
    const tempDir = mkdtempSync(join(tmpdir(), "wfx-isolated-"));
    const env: Record<string, string> = { TMPDIR: tempDir, HOME: tempDir };
    for (const name of this.#options.envAllowlist) if (process.env[name] !== undefined) env[name] = process.env[name]!;
    // A traced node's isolated processes export their spans too (the collector's credentials stay here).
    Object.assign(env, tracingEnvOf(process.env));
    const child = fork(CHILD_MAIN, [], {
      cwd: tempDir,
      env,
      execArgv: [`--max-old-space-size=${this.#options.memoryMb}`],
      serialization: "advanced",
      // What a step prints goes to our stderr: our stdout may carry results (`wfx run --json`).
      stdio: ["ignore", 2, 2, "ipc"],
    });
    const ready = new Promise<void>((resolve, reject) => {
      child.once("message", (m: ToParent) => (m.t === "ready" ? resolve() : reject(new Error("isolated process spoke before ready"))));
      child.once("exit", (code) => reject(new Error(`isolated process exited during start (code ${code})`)));
      // Spawn and IPC failures: unhandled, they would take the node down; a dead process is settled by its exit.
      child.on("error", (error) => reject(error));
    });
    ready.catch(() => undefined);
    // A spare waiting for work must not keep the parent alive.
    child.unref();
    (child.channel as { unref?(): void } | undefined)?.unref?.();
    child.once("exit", () => {
      const at = this.#spares.findIndex((s) => s.child === child);
      if (at !== -1) this.#spares.splice(at, 1);
      rmSync(tempDir, { recursive: true, force: true });
    });
    return { child, tempDir, ready };
  }

  launch(request: LaunchRequest): void {
    const spare = this.#spares.shift() ?? this.#forkSpare();
    this.warm();
    const { child } = spare;
    (child.channel as { ref?(): void } | undefined)?.ref?.();
    child.ref();
    const running: Running = { executionId: request.executionId, child, endAs: { type: "execution.failed", error: { code: "WFX_ISOLATED_PROCESS_DIED", message: "the isolated process exited before the execution ended" } } };
    this.#running.set(request.executionId, running);

    const observerName = `isolated-observer-${request.executionId}`;
    const recorder = this.#recorder;
    // The process's exit is told to the observer too, after the events it delivered: only events it never sent are lost.
    const observer: ActorRef<ExecutionEvent | ProcessExited> = this.#system.spawn<ExecutionEvent | ProcessExited>({
      start: () => null,
      receive: (s, message, ctx) => {
        if ("exited" in message) {
          recorder.finishIfRunning(request.executionId, message.endAs.type, message.endAs.error, Date.now());
          ctx.stop();
        } else {
          recorder.record(message);
        }
        return s;
      },
    }, { name: observerName });
    const childSystemId = isolatedSystemId(child.pid!);
    this.#system.registerTransport(childSystemId, new IpcTransport(child));
    const bridge = this.#executor === undefined ? undefined : new ExecutorBridge(child, this.#executor);
    const limits = new RateLimiterBridge(child, this.#limiter);
    child.on("message", (message: ToParent) => {
      if (message.t === "actor") this.#system.deliver(message.address, message.message);
      else if (message.t === "executor_call" || message.t === "executor_cancel") bridge?.handle(message);
      else if (message.t.startsWith("limit_")) limits.handle(message as Parameters<RateLimiterBridge["handle"]>[0]);
    });
    child.once("exit", (code, signal) => {
      bridge?.abortAll();
      limits.abortAll();
      clearTimeout(running.killTimer);
      clearTimeout(running.deadline);
      this.#running.delete(request.executionId);
      const detail = signal ? `killed by ${signal}` : `exit code ${code}`;
      const exited = () => observer.tell({ exited: true, endAs: { type: running.endAs.type, error: { ...running.endAs.error, message: `${running.endAs.error.message} (${detail})` } } });
      // 'exit' may come before the last messages are read from the IPC pipe (its final event among them); 'disconnect' comes after them.
      if (child.connected) child.once("disconnect", exited);
      else exited();
    });
    if (request.timeoutMs !== undefined) {
      // The supervisor inside enforces the timeout; this is the backstop for a process that stopped answering.
      running.deadline = setTimeout(() => this.#stop(running, { type: "execution.timeout", error: toErrorInfo(new ExecutionTimeoutError(request.timeoutMs!)) }), request.timeoutMs + this.#options.killGraceMs);
    }
    const order: ExecuteOrder = {
      ...request,
      t: "execute",
      env: referencedEnv(request.file, request.env),
      reporter: observer.address,
      parentSystemId: this.#system.id,
      node: this.#system.id,
      executor: bridge !== undefined,
    };
    // Sending throws for what v8 cannot serialise (an input nested thousands deep): it ends the execution, not the node.
    void spare.ready
      .then(() => child.send(order))
      .catch((error: unknown) => {
        this.#recorder.finishIfRunning(request.executionId, "execution.failed", { code: "WFX_ISOLATED_START_FAILED", message: describeFailure(error) }, Date.now());
        child.kill("SIGKILL");
      });
  }

  #stop(running: Running, endAs: Running["endAs"]): void {
    running.endAs = endAs;
    running.child.kill("SIGKILL");
  }

  /** Asks the supervisor inside to cancel (steps see their AbortSignal), then kills the process after the grace period. */
  cancel(executionId: string, reason: string): void {
    const running = this.#running.get(executionId);
    if (!running) return;
    running.endAs = { type: "execution.cancelled", error: toErrorInfo(new CancelledError(reason)) };
    this.#system.refFor(`wfx://${isolatedSystemId(running.child.pid!)}/${executionId}`).tell({ type: "cancel", reason });
    running.killTimer ??= setTimeout(() => running.child.kill("SIGKILL"), this.#options.killGraceMs);
  }

  async close(): Promise<void> {
    this.#closed = true;
    const exits: Promise<unknown>[] = [];
    for (const { child } of [...this.#spares, ...this.#running.values()]) {
      if (child.exitCode !== null || child.signalCode !== null) continue;
      exits.push(new Promise((resolve) => child.once("exit", resolve)));
      // A spare is unref'd; waiting for its exit must keep this process alive.
      child.ref();
      child.kill("SIGKILL");
    }
    await Promise.all(exits);
  }
}
