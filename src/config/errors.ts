import { WfxError } from "../errors.js";
import type { ConfigProblemCode } from "./problem-codes.js";
import type { Problem } from "./problems.js";

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
