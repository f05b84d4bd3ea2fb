// The package's entry for programs that embed the runtime (package.json "main"); the `wfx` command is src/cli.
export { WfxError, toErrorInfo } from "./errors.js";
export * from "./engine/index.js";
export { checkWorkflowFile, loadAndValidate, loadValidWorkflowFile, validateWorkflowFile, formatProblems, type Problem, type WorkflowFile } from "./config/index.js";
export { defaultToolRegistry, ToolRegistry, type Tool, type ToolFactory, type WorkflowExecutorClient } from "./tools/index.js";
export { createWorkflowGenerator, executeGeneratedWorkflow, LocalWorkflowExecutor, type WorkflowGenerator } from "./generator/index.js";
export { VERSION, type GatewayOptions } from "./gateway/index.js";
export { ExecutorNode, type NodeDeps } from "./node/index.js";
