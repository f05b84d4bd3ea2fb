import type { Runtime } from "../engine/internal.js";
import type { LocalWorkflowExecutor } from "../generator/index.js";
import { defaultToolRegistry, type WorkflowExecutorClient } from "../tools/index.js";
import { openRuntime } from "./open-runtime.js";

/**
 * A runtime whose `mcpworkflow_executor` tools reach this runtime and generator, so workflows run by `wfx run` can
 * generate and run workflows themselves; `workflowDir` is where they look for workflow files by name.
 */
export async function openAgentRuntime(dataDir: string | undefined, workflowDir: string): Promise<Runtime> {
  let executor: Promise<LocalWorkflowExecutor> | undefined;
  // The generator loads only when a workflow calls the executor: most runs never do.
  const executorOf = () => (executor ??= Promise.all([import("./commands/generate.js"), import("../generator/index.js")]).then(([{ cliGenerator }, { LocalWorkflowExecutor }]) => new LocalWorkflowExecutor({ runtime, generator: cliGenerator(), workflowDir })));
  const client: WorkflowExecutorClient = { call: async (method, params, ctx) => (await executorOf()).call(method, params, ctx) };
  const runtime = await openRuntime(dataDir, { tools: defaultToolRegistry({ workflowExecutor: client }) });
  return runtime;
}
