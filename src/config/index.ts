export { AGENT_ENDPOINT_ENV, DEFAULT_AGENT_MODEL, nodeModelBaseUrl, OPENAI_DEFAULT_BASE_URL, resolveAgentEndpoint, resolveCallerAgentEndpoint, type AgentEndpoint, type EndpointResolution } from "./agent-endpoint.js";
export { AGENT_TYPES, BUILTIN_TOOL_TYPES, TOOL_TYPES_NEEDING_DECLARATION, type BuiltinToolType } from "./builtin-tools.js";
export { compileCondition, deepEqual, truthy, type CompiledCondition } from "./condition.js";
export { ConditionSyntaxError, ConfigError, NodeProfileInvalidError, ProblemsError, ReferenceSyntaxError, WorkflowInvalidError } from "./errors.js";
export { CONFIG_PROBLEM_CODES, type ConfigProblemCode } from "./problem-codes.js";
export { loadWorkflowFile, parseWorkflowYaml, type LoadResult } from "./load.js";
export { DEFAULT_MAX_ALIAS_COUNT, DEFAULT_MAX_BYTES, DEFAULT_MAX_DEPTH, resolveLoadOptions, type LoadOptions } from "./load-options.js";
export { adjustWorkflowFile, applyConfigOverride, applyEnvironment, deepMerge, overrideReferenceProblems, type WorkflowFileAdjustments } from "./overlay.js";
export { generateNodeId, loadNodeProfile, type NatsConnection, type NodeGateways, type NodeIdSource, type NodeProfile } from "./node-profile.js";
export { NODE_PROFILE_ENV, type NodeProfileVariable } from "./node-profile-env.js";
export { NODE_ID_PATTERN, NODE_PROFILE_DEFAULTS, NODE_TAG_PATTERN, NodeProfileFileSchema, type NodeProfileFile } from "./node-profile-schema.js";
export { formatProblems, type Problem } from "./problems.js";
export { closestMatch } from "./suggest.js";
export { CALLER_POLICY_SETTING, CallerPolicySchema, defaultCallerPolicy, loadCallerPolicyFile, parseCallerPolicy, resolveCallerPolicy, type CallerPolicy } from "./caller-policy.js";
export { DEFAULT_BURST_S, ModelLimitSchema, ModelLimitsSchema, normalEndpoint, type ModelLimit } from "./model-limits.js";
export { ModelPriceSchema, PriceTableSchema, type ModelPrice, type PriceTable } from "./price-table.js";
export { AGENT_FIELDS_FILLED_IN, secretNames, substituteSecrets, substituteSecretsDeep, TOOL_FIELDS_FILLED_AT_BUILD, TOOL_FIELDS_FILLED_IN, type SubstitutedText, type UnsetVariable } from "./secrets.js";
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
  AgentObjectSchema,
  BUDGET_FIELDS,
  BudgetSchema,
  ENVIRONMENT_NAMES,
  fileSections,
  FunctionRefSchema,
  ID_PATTERN,
  normaliseAgentShorthand,
  OutputSchema,
  PlacementSchema,
  PreferenceSchema,
  RetryPolicySchema,
  STEP_KINDS,
  StepDefSchema,
  ToolDefSchema,
  WorkflowDefSchema,
  WorkflowFileOverlaySchema,
  WorkflowFileSchema,
  type AgentDef,
  type Budget,
  type FunctionRef,
  type Placement,
  type Preference,
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
export { checkWorkflowFile, loadAndValidate, loadValidWorkflowFile, validateWorkflowFile, type WorkflowFileCheck } from "./validate.js";
export { asString, isRecord } from "./validate-context.js";
export { resolveValidateOptions, type ValidateOptions } from "./validate-options.js";
export { formatYamlPath, type LoadedSource } from "./yaml-location.js";
