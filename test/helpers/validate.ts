import * as assert from "uvu/assert";
import { parseWorkflowYaml, validateWorkflowFile, type Problem, type ValidateOptions } from "../../src/config/index.js";

/** Lines of YAML; line n of the file is argument n. */
export const yaml = (...lines: string[]) => `${lines.join("\n")}\n`;

/** The problems validation finds in `text`, a workflow file as YAML (which must parse). */
export function check(text: string, options: Partial<ValidateOptions> = {}): Problem[] {
  const parsed = parseWorkflowYaml(text, "test.yaml");
  assert.ok("data" in parsed, `YAML did not parse: ${JSON.stringify(parsed.problems)}`);
  return validateWorkflowFile(parsed.data, parsed.source, options);
}

/** The single problem with `code`, failing (with all problems shown) if there is not exactly one. */
export function one(problems: Problem[], code: string): Problem {
  const found = problems.filter((p) => p.code === code);
  assert.is(found.length, 1, `expected one ${code}, got ${JSON.stringify(problems, null, 2)}`);
  return found[0]!;
}

/** `problem` is at `path`, line (and column), with this hint (and message): exact strings or patterns. */
export function expectProblem(problem: Problem, expected: { path: string; line: number; column?: number; hint: RegExp | string; message?: RegExp | string }): void {
  assert.is(problem.path, expected.path);
  assert.is(problem.line, expected.line, `line of ${problem.code}`);
  if (expected.column !== undefined) assert.is(problem.column, expected.column, `column of ${problem.code}`);
  if (typeof expected.hint === "string") assert.is(problem.hint, expected.hint);
  else assert.match(problem.hint, expected.hint);
  if (typeof expected.message === "string") assert.is(problem.message, expected.message);
  else if (expected.message) assert.match(problem.message, expected.message);
}

/** The first lines of a file whose one workflow `main` lists its steps next. */
export const TOOL_STEPS = ["workflows:", "  main:", "    steps:"];
