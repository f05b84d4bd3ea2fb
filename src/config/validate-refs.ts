import { compileCondition } from "./condition.js";
import { ConditionSyntaxError } from "./errors.js";
import { parseReferences, REFERENCE_ROOTS, type LocatedReference, type ReferenceIssue } from "./reference.js";
import { closestMatch, suggestionHint } from "./suggest.js";
import type { CheckContext } from "./validate-context.js";
import type { YamlPath } from "./yaml-location.js";

/** The step whose fields are being checked, and the workflow around it. */
export interface StepScope {
  index: number;
  id: string;
  /** Whether `${item}`/`${index}` have a value in the field being checked. */
  inLoop: boolean;
  /** Steps this one waits for through depends_on, directly or not. */
  ancestors: ReadonlySet<string>;
  stepIds: readonly string[];
  firstIndexOf: ReadonlyMap<string, number>;
  /** Records that this step reads another (an edge for cycle detection). */
  reads(stepId: string, path: YamlPath): void;
}

function reportIssue(issue: ReferenceIssue, path: YamlPath, step: StepScope, ctx: CheckContext): void {
  if (issue.root === undefined) {
    ctx.sink.report("WFX_BAD_REFERENCE", path, issue.message, issue.hint, { offset: issue.offset });
  } else if (step.firstIndexOf.has(issue.root)) {
    ctx.sink.report("WFX_BAD_REFERENCE", path, `'${issue.text}' names step '${issue.root}' without .output`, `write \${${issue.root}.output}`, { offset: issue.offset });
  } else {
    const match = closestMatch(issue.root, [...REFERENCE_ROOTS, ...step.stepIds]);
    const hint = match !== undefined ? `did you mean '${match}'?` : `references start with input, user_input, previous_output, env, item, index, context or a step id (${step.stepIds.join(", ")})`;
    ctx.sink.report("WFX_BAD_REFERENCE", path, `unknown reference root '${issue.root}' in '${issue.text}'`, hint, { offset: issue.offset });
  }
}

function checkReference(ref: LocatedReference, path: YamlPath, step: StepScope, ctx: CheckContext): void {
  const where = { offset: ref.offset };
  switch (ref.kind) {
    case "step": {
      const target = ref.step!;
      const at = step.firstIndexOf.get(target);
      if (at === undefined) {
        ctx.sink.report("WFX_UNKNOWN_STEP", path, `unknown step '${target}' in '${ref.text}'`, suggestionHint(target, step.stepIds, "steps"), where);
      } else if (target === step.id) {
        ctx.sink.report("WFX_BAD_REFERENCE", path, `step '${target}' reads its own output in '${ref.text}'`, "a step cannot read its own output; read an earlier step's output or ${previous_output}", where);
      } else if (at > step.index && !step.ancestors.has(target)) {
        ctx.sink.report(
          "WFX_STEP_RUNS_LATER",
          path,
          `'${ref.text}' reads step '${target}', which runs later (steps[${at}])`,
          `move step '${target}' above this one, or add depends_on: [${target}] to this step`,
          where,
        );
      } else {
        step.reads(target, path);
      }
      return;
    }
    case "previous_output":
      if (step.index === 0) ctx.sink.report("WFX_BAD_REFERENCE", path, `'${ref.text}' in the first step has no previous step to read`, "read the workflow input with ${input} or ${user_input}", where);
      return;
    case "item":
    case "index":
      if (!step.inLoop) ctx.sink.report("WFX_BAD_REFERENCE", path, `'${ref.text}' only has a value inside a for_each step`, "add for_each: to this step, or read a list with ${<step id>.output}", where);
      return;
    default:
      return;
  }
}

/** Checks every `${...}` in a value (strings at any depth of lists and mappings). */
export function checkTemplateValue(value: unknown, path: YamlPath, step: StepScope, ctx: CheckContext): void {
  if (typeof value === "string") {
    if (!value.includes("${")) return;
    const parsed = parseReferences(value);
    for (const issue of parsed.errors) reportIssue(issue, path, step, ctx);
    for (const ref of parsed.refs) checkReference(ref, path, step, ctx);
  } else if (Array.isArray(value)) {
    value.forEach((v, i) => checkTemplateValue(v, [...path, i], step, ctx));
  } else if (value !== null && typeof value === "object") {
    for (const [k, v] of Object.entries(value)) checkTemplateValue(v, [...path, k], step, ctx);
  }
}

/** Checks a `when:` expression: its references first (with step-aware hints), then its syntax, with the column. */
export function checkCondition(expr: unknown, path: YamlPath, step: StepScope, ctx: CheckContext): void {
  if (typeof expr !== "string" && typeof expr !== "boolean") return;
  if (typeof expr === "string") {
    const { errors } = parseReferences(expr);
    for (const issue of errors) reportIssue(issue, path, step, ctx);
    if (errors.length > 0) return;
  }
  try {
    const compiled = compileCondition(expr);
    for (const ref of compiled.refs) checkReference(ref as LocatedReference, path, step, ctx);
  } catch (err) {
    if (!(err instanceof ConditionSyntaxError)) throw err;
    ctx.sink.report("WFX_BAD_CONDITION", path, err.reason, err.hint ?? "fix the expression", { offset: err.column - 1 });
  }
}
