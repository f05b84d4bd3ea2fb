import { WfxError } from "../errors.js";
import type { Problem } from "./problems.js";

/** Every code a workflow-file problem can carry, with what it means; tests check each one is documented here. */
export const CONFIG_PROBLEM_CODES = {
  WFX_FILE_NOT_FOUND: "the workflow file does not exist",
  WFX_FILE_UNREADABLE: "the workflow file exists but could not be read",
  WFX_FILE_TOO_LARGE: "the workflow file is larger than the configured size cap",
  WFX_YAML_SYNTAX: "the YAML could not be parsed",
  WFX_YAML_ALIAS_LIMIT: "YAML aliases expand to more nodes than allowed (alias bomb protection)",
  WFX_YAML_TOO_DEEP: "YAML collections are nested deeper than allowed",
  WFX_EMPTY_FILE: "the workflow file holds no document",
  WFX_UNKNOWN_KEY: "a key the schema does not know (keys are never silently ignored)",
  WFX_MISSING_FIELD: "a required key is missing",
  WFX_INVALID_TYPE: "a value has the wrong type",
  WFX_INVALID_VALUE: "a value has the right type but is out of range or not allowed",
  WFX_INVALID_ID: "an id cannot be used in `${...}` references",
  WFX_RESERVED_STEP_ID: "a step id collides with a reference root such as `input` or `env`",
  WFX_STEP_KIND: "a step does not name exactly one of agent, tool, function, workflow",
  WFX_DUPLICATE_ID: "two agents, two tools or two steps of one workflow share an id",
  WFX_UNKNOWN_AGENT: "a step or override names an agent that is not declared",
  WFX_UNKNOWN_TOOL: "a step or agent names a tool that is neither declared nor built in",
  WFX_UNKNOWN_TOOL_TYPE: "a tool declaration has a type no tool factory provides",
  WFX_UNKNOWN_WORKFLOW: "a step names a sub-workflow that is not declared",
  WFX_UNKNOWN_STEP: "depends_on, output.to or a reference names a step that does not exist",
  WFX_STEP_RUNS_LATER: "a reference names a step that runs later and is not a dependency",
  WFX_DEPENDENCY_CYCLE: "steps depend on each other in a cycle",
  WFX_WORKFLOW_CYCLE: "sub-workflows call each other in a cycle",
  WFX_BAD_REFERENCE: "a `${...}` reference is malformed or used where it has no value",
  WFX_BAD_CONDITION: "a `when:` expression does not parse",
  WFX_AGENT_STEPS_UNAVAILABLE: "agent steps are switched off for this validation (allowAgentSteps: false)",
  WFX_ENV_UNSET: "a tool's settings, command, args, mcp_url or headers, or an agent's base_url, api_key or model, names a `${NAME}` the environment does not set",
  WFX_AGENT_NO_ENDPOINT: "an agent step has no model endpoint: no base_url/api_key in its agent, no OPENAI_BASE_URL or OPENAI_API_KEY",
  WFX_FUNCTION_OUTSIDE_FOLDER: "a function step's module lies outside the workflow file's folder",
  WFX_FUNCTION_NOT_FOUND: "a function step's module file does not exist",
  WFX_UNKNOWN_ENVIRONMENT: "an environment name other than development, staging or production (--env, WFX_ENV)",
  WFX_WORKFLOW_INVALID: "a workflow file has problems (thrown by the loaders that require a valid file)",
  WFX_NODE_PROFILE_INVALID: "a node profile (nodes/*.yaml) or the WFX_NODE_*, WFX_NATS_*, WFX_HTTP_PORT and WFX_GRPC_PORT variables laid over it have problems",
  WFX_CALLER_POLICY_INVALID: "the operator's caller policy (--caller-policy FILE, WFX_CALLER_POLICY, the --caller-* flags) is malformed",
  WFX_OVERRIDE_NOT_DATA: "a `config_override` value holds `${`: overrides are data, never filled in from the node's environment or step outputs",
  WFX_CALLER_POLICY_DENIED: "a workflow a caller sent asks for something the node's caller policy does not grant (a tool type, host, MCP server, model endpoint, file root, function module or the node's environment)",
} as const;

export type ConfigProblemCode = keyof typeof CONFIG_PROBLEM_CODES;

/** Base of the errors the config layer throws. */
export class ConfigError extends WfxError {
  override name = "ConfigError";
}

/** A `when:` expression that does not parse; `column` is 1-based within the expression. */
export class ConditionSyntaxError extends ConfigError {
  override name = "ConditionSyntaxError";
  readonly column: number;
  /** The message without the column, for reports that place it themselves. */
  readonly reason: string;

  constructor(reason: string, column: number, hint: string) {
    super("WFX_BAD_CONDITION", `${reason} (column ${column})`, { hint });
    this.column = column;
    this.reason = reason;
  }
}

/** A malformed `${...}` reference met by `compileTemplate`; validation reports these as problems first. */
export class ReferenceSyntaxError extends ConfigError {
  override name = "ReferenceSyntaxError";
  readonly offset: number;

  constructor(message: string, offset: number, hint: string) {
    super("WFX_BAD_REFERENCE", message, { hint });
    this.offset = offset;
  }
}

/** A file (or what was laid over it) with problems; carries every one found. */
export class ProblemsError extends ConfigError {
  override name = "ProblemsError";
  readonly problems: Problem[];
  /** The problems as `formatProblems` lays them out for people. */
  readonly formatted: string;

  constructor(code: ConfigProblemCode, sourcePath: string, problems: Problem[], formatted: string) {
    super(code, `${sourcePath} has ${problems.length} problem${problems.length === 1 ? "" : "s"}:\n${formatted}`, {
      hint: problems[0]?.hint ?? "fix the problems listed above",
    });
    this.problems = problems;
    this.formatted = formatted;
  }
}

/** Thrown by loaders that require a valid workflow file. */
export class WorkflowInvalidError extends ProblemsError {
  override name = "WorkflowInvalidError";

  constructor(sourcePath: string, problems: Problem[], formatted: string, code: "WFX_WORKFLOW_INVALID" | "WFX_CALLER_POLICY_DENIED" | "WFX_OVERRIDE_NOT_DATA" = "WFX_WORKFLOW_INVALID") {
    super(code, sourcePath, problems, formatted);
  }
}

/** Thrown by `loadNodeProfile`: the profile, or the variables laid over it, have problems. */
export class NodeProfileInvalidError extends ProblemsError {
  override name = "NodeProfileInvalidError";

  constructor(sourcePath: string, problems: Problem[], formatted: string) {
    super("WFX_NODE_PROFILE_INVALID", sourcePath, problems, formatted);
  }
}
