import type { TraceContext } from "../observability/trace-context.js";
import { pathToFileURL } from "node:url";
import type { Tool } from "../tools/index.js";
import { describeIssues } from "../errors.js";
import { EngineError } from "./errors.js";
import type { StepAction } from "./plan.js";
import type { Usage } from "./usage.js";

/** What a `function` step's exported function receives after its input. */
export interface FunctionStepContext {
  signal: AbortSignal;
  attempt: number;
  executionId: string;
  stepId: string;
  item?: unknown;
  index?: number;
  /** Reports intermediate progress; it becomes a `step.progress` event. */
  progress(data: unknown): void;
  /** The step's usage, made on first call: what the runtime's services count into it travels with the step's result. */
  meterUsage?(): Usage;
  /** The trace context of the attempt's span when tracing is on: model calls, tool calls and sub-workflows are its children. */
  trace?: TraceContext | undefined;
}

export type StepFunction = (input: unknown, ctx: FunctionStepContext) => unknown;

/** Everything a step needs from the outside world, supplied by the runtime (or by an isolated child process). */
export interface StepServices {
  loadFunction(modulePath: string, exportName: string): StepFunction | Promise<StepFunction>;
  tool(toolId: string): Tool;
  /** Runs a sub-workflow of the same file to its end and returns its result. */
  runWorkflow(workflowName: string, input: unknown, ctx: FunctionStepContext): Promise<unknown>;
  /** Runs an agent (model call with tool-calling loop) on `input`; `tools` replaces the agent's own list. */
  runAgent(agentId: string, tools: readonly string[] | undefined, input: unknown, ctx: FunctionStepContext): Promise<unknown>;
}

const loadedModules = new Map<string, Record<string, unknown>>();
const loadingModules = new Map<string, Promise<Record<string, unknown>>>();

function exportOf(module: Record<string, unknown>, modulePath: string, exportName: string): StepFunction {
  const fn = module[exportName];
  if (typeof fn !== "function") {
    const exported = Object.keys(module).filter((k) => typeof module[k] === "function");
    throw new EngineError("WFX_FUNCTION_EXPORT_NOT_FOUND", `${modulePath} has no exported function '${exportName}'`, {
      hint: `exported functions: ${exported.join(", ") || "(none)"}; write the step as \`function: ./module.js#name\``,
    });
  }
  return fn as StepFunction;
}

/** Loads a step module once; later calls return the function synchronously, keeping the hot path free of awaits. */
export function loadFunction(modulePath: string, exportName: string): StepFunction | Promise<StepFunction> {
  const loaded = loadedModules.get(modulePath);
  if (loaded) return exportOf(loaded, modulePath, exportName);
  let loading = loadingModules.get(modulePath);
  if (!loading) {
    loading = import(pathToFileURL(modulePath).href).then(
      (module: Record<string, unknown>) => {
        loadedModules.set(modulePath, module);
        loadingModules.delete(modulePath);
        return module;
      },
      (error: unknown) => {
        loadingModules.delete(modulePath);
        throw new EngineError("WFX_FUNCTION_LOAD_FAILED", `cannot load ${modulePath}: ${(error as Error).message}`, {
          hint: "check the module path in the step's `function:` (relative to the workflow file) and that it is valid JavaScript",
          cause: error,
        });
      },
    );
    loadingModules.set(modulePath, loading);
  }
  return loading.then((module) => exportOf(module, modulePath, exportName));
}

function isThenable(value: unknown): value is PromiseLike<unknown> {
  return value !== null && typeof value === "object" && typeof (value as { then?: unknown }).then === "function";
}

/** Runs one attempt of a step's action. Returns a plain value when the work finished synchronously. */
export function runAction(action: StepAction, input: unknown, ctx: FunctionStepContext, services: StepServices): unknown {
  switch (action.kind) {
    case "function": {
      const fn = services.loadFunction(action.modulePath, action.exportName);
      // A step stopped while its module loaded (its execution cancelled) is not run: its signal would never fire again.
      return isThenable(fn) ? (fn as Promise<StepFunction>).then((f) => (ctx.signal.aborted ? Promise.reject(ctx.signal.reason) : f(input, ctx))) : (fn as StepFunction)(input, ctx);
    }
    case "tool": {
      const tool = services.tool(action.toolId);
      const parsed = tool.inputSchema.safeParse(input);
      if (!parsed.success) {
        throw new EngineError("WFX_TOOL_BAD_ARGS", `tool '${action.toolId}' rejected its arguments: ${describeIssues(parsed.error.issues, "(args)")}`, {
          hint: "fix the step's `args` to match the tool's input",
        });
      }
      return tool.call(parsed.data, { signal: ctx.signal, executionId: ctx.executionId });
    }
    case "workflow":
      return services.runWorkflow(action.workflowName, input, ctx);
    case "agent":
      return services.runAgent(action.agentId, action.tools, input, ctx);
  }
}

export { isThenable };
