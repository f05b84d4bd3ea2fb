export { Admission } from "./admission.js";
export { executionAnswer, eventAnswer, notFoundAnswer, statusMessage } from "./answers.js";
export { argumentSpec, expectedOf, parseArguments, type ArgumentSpec } from "./arguments.js";
export { errorBody, errorStatus, type ErrorStatus, type GrpcStatusName } from "./error-status.js";
export { METHOD_NAMES, METHODS, METHODS_BY_NAME, type MethodAnnotations, type MethodName, type MethodSpec } from "./method-catalog.js";
export { NodeExecutor } from "./node-executor.js";
export { Operations, type CallContext, type OperationDeps } from "./operations.js";
export { WorkflowDirectory } from "./workflow-directory.js";
export * from "./schemas.js";
