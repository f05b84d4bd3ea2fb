export { BUILTIN_TOOL_TYPES, type BuiltinToolType } from "./builtin-tools.js";
export { compileCondition, deepEqual, truthy, type CompiledCondition } from "./condition.js";
export { CONFIG_PROBLEM_CODES, ConditionSyntaxError, ConfigError, ReferenceSyntaxError, WorkflowInvalidError, type ConfigProblemCode } from "./errors.js";
export { loadWorkflowFile, parseWorkflowYaml, type LoadResult } from "./load.js";
export { DEFAULT_MAX_ALIAS_COUNT, DEFAULT_MAX_BYTES, DEFAULT_MAX_DEPTH, defaultLoadOptions, resolveLoadOptions, type LoadOptions } from "./load-options.js";
export { formatProblems, type Problem } from "./problems.js";
export {
  parseReferenceAt,
  parseReferences,
  readPath,
  REFERENCE_ROOTS,
  type LocatedReference,
  type ParsedTemplateString,
  type Reference,
  type ReferenceIssue,
  type ReferenceKind,
  type TemplatePart,
} from "./reference.js";
export {
  AgentDefSchema,
  ENVIRONMENT_NAMES,
  FunctionRefSchema,
  ID_PATTERN,
  normaliseAgentShorthand,
  OutputSchema,
  PlacementSchema,
  RetryPolicySchema,
  STEP_KINDS,
  StepDefSchema,
  ToolDefSchema,
  WorkflowDefSchema,
  WorkflowFileOverlaySchema,
  WorkflowFileSchema,
  type AgentDef,
  type FunctionRef,
  type Placement,
  type RetryPolicyDef,
  type StepDef,
  type StepKind,
  type ToolDef,
  type WorkflowDef,
  type WorkflowFile,
  type WorkflowFileOverlay,
} from "./schema.js";
export { parseFunctionRef, stepIdOf, type ResolvedFunctionRef } from "./step-id.js";
export { compileReference, compileTemplate, toText, userInputOf, type CompiledTemplate, type TemplateScope } from "./template.js";
export { loadAndValidate, loadValidWorkflowFile, validateWorkflowFile } from "./validate.js";
export { AGENT_STEPS_ENABLED, defaultValidateOptions, resolveValidateOptions, type ValidateOptions } from "./validate-options.js";
export { formatYamlPath, type LoadedSource } from "./yaml-location.js";
