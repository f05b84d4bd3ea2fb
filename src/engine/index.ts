export * from "./types.js";
export { Runtime, defaultWorkflowName, type ExecuteRequest, type CancelResult, type WorkflowSource } from "./runtime.js";
export { resolveRuntimeOptions, defaultNodeId, DEFAULT_ISOLATED_OPTIONS, type RuntimeOptions, type IsolatedOptions } from "./runtime-options.js";
export { compilePlan, type ExecutionPlan, type PlannedStep, type StepAction } from "./plan.js";
export { applyEvent, createRecord, progressMessage, elapsedNow } from "./record.js";
export { ExecutionFollower, executionNotFound, type EventSink, type FollowStats } from "./execution-follower.js";
export { EngineError, StepTimeoutError, ExecutionTimeoutError, CancelledError } from "./errors.js";
export type { FunctionStepContext, StepFunction } from "./step-kinds.js";
export { MemoryExecutionStore, EmbeddedExecutionStore, resolveDataDir } from "./store/index.js";
