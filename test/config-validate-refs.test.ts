import { test } from "uvu";
import * as assert from "uvu/assert";
import { formatProblems } from "../src/config/index.js";
import { check, expectProblem, one, TOOL_STEPS, yaml } from "./helpers/validate.js";

test("validate - unknown step ids in depends_on, with formatted output", () => {
  const problems = check(yaml(...TOOL_STEPS, "      - id: read", "        tool: filesystem", "      - id: extract", "        tool: http", "      - tool: http", "        depends_on: [extrct]"));
  const problem = one(problems, "WFX_UNKNOWN_STEP");
  expectProblem(problem, { path: "workflows.main.steps[2].depends_on[0]", line: 9, column: 22, message: "unknown step 'extrct'", hint: "did you mean 'extract'?" });
  assert.is(
    formatProblems([problem], "examples/x.yaml"),
    "examples/x.yaml:9:22 error WFX_UNKNOWN_STEP workflows.main.steps[2].depends_on[0]: unknown step 'extrct'\n    hint: did you mean 'extract'?",
  );
});

test("validate - unknown step ids in references point at the reference", () => {
  const problems = check(yaml(...TOOL_STEPS, "      - id: extract", "        tool: http", "      - tool: http", '        input: "text: ${extrct.output.text}"', "        output: { to: nowhere }"));
  const unknown = problems.filter((p) => p.code === "WFX_UNKNOWN_STEP");
  assert.equal(unknown.map((p) => [p.path, p.line, p.column]), [
    ["workflows.main.steps[1].input", 7, 23],
    ["workflows.main.steps[1].output.to", 8, 23],
  ]);
  assert.is(unknown[0]!.hint, "did you mean 'extract'?");
  assert.match(unknown[0]!.message, /unknown step 'extrct' in '\$\{extrct.output.text\}'/);
  assert.match(unknown[1]!.hint, /use to: user/);
});

test("validate - a reference to a step that runs later needs depends_on", () => {
  const later = yaml(...TOOL_STEPS, "      - id: first", "        tool: http", '        input: "${second.output}"', "      - id: second", "        tool: http");
  expectProblem(one(check(later), "WFX_STEP_RUNS_LATER"), {
    path: "workflows.main.steps[0].input",
    line: 6,
    column: 17,
    message: "'${second.output}' reads step 'second', which runs later (steps[1])",
    hint: "move step 'second' above this one, or add depends_on: [second] to this step",
  });
  const fixed = yaml(...TOOL_STEPS, "      - id: first", "        tool: http", "        depends_on: [second]", '        input: "${second.output}"', "      - id: second", "        tool: http");
  assert.equal(check(fixed), []);
});

test("validate - reports a cycle in depends_on", () => {
  const problems = check(yaml(...TOOL_STEPS, "      - id: a", "        tool: http", "        depends_on: [b]", "      - id: b", "        tool: http", "        depends_on: [a]"));
  expectProblem(one(problems, "WFX_DEPENDENCY_CYCLE"), {
    path: "workflows.main.steps[1].depends_on[0]",
    line: 9,
    message: "steps depend on each other in a cycle: a -> b -> a",
    hint: /remove one of these dependencies/,
  });
  const self = check(yaml(...TOOL_STEPS, "      - id: a", "        tool: http", "        depends_on: [a]"));
  assert.match(one(self, "WFX_DEPENDENCY_CYCLE").message, /a -> a$/);
  const viaReference = check(yaml(...TOOL_STEPS, "      - id: a", "        tool: http", "        depends_on: [b]", "      - id: b", "        tool: http", '        input: "${a.output}"'));
  assert.match(one(viaReference, "WFX_DEPENDENCY_CYCLE").message, /a -> b -> a/);
});

test("validate - reports sub-workflow recursion", () => {
  const problems = check(
    yaml("workflows:", "  main:", "    steps:", "      - workflow: helper", "  helper:", "    steps:", "      - workflow: leaf", "      - workflow: main", "  leaf:", "    steps:", "      - tool: http"),
  );
  expectProblem(one(problems, "WFX_WORKFLOW_CYCLE"), {
    path: "workflows.helper.steps[1].workflow",
    line: 8,
    message: "sub-workflows call each other in a cycle: main -> helper -> main",
    hint: /cannot \(even indirectly\) run the workflow that calls it/,
  });
});

test("validate - bad when expressions point at the column of the mistake", () => {
  const problems = check(yaml(...TOOL_STEPS, "      - tool: http", "        when: \"${input.mode} = 'fast'\""));
  expectProblem(one(problems, "WFX_BAD_CONDITION"), { path: "workflows.main.steps[0].when", line: 5, column: 30, hint: "did you mean '=='?", message: /unexpected '='/ });
  const bareWord = check(yaml(...TOOL_STEPS, "      - tool: http", "        when: enabled"));
  assert.match(one(bareWord, "WFX_BAD_CONDITION").hint, /wrap references in/);
});

test("validate - bad references are reported with a hint", () => {
  const problems = check(
    yaml(
      ...TOOL_STEPS,
      "      - id: read",
      "        tool: http",
      '        input: { a: "${}", b: "${read..x}", c: "${previous_output}", d: "${item}" }',
      "      - tool: http",
      '        input: { e: "${inptu.x}", f: "${read}", g: "${http.output}" }',
      "      - tool: filesystem",
      '        when: "${read.text} == 1"',
    ),
  );
  const refs = problems.filter((p) => p.code === "WFX_BAD_REFERENCE" && !p.path.endsWith("input.g")).map((p) => [p.path, p.line, p.hint]);
  assert.equal(refs, [
    ["workflows.main.steps[0].input.a", 6, "write one of ${input.<field>}, ${user_input}, ${<step id>.output}, ${previous_output}, ${env.NAME}, ${item} or ${index}"],
    ["workflows.main.steps[0].input.b", 6, "path segments are names or [index]; remove the extra '.'"],
    ["workflows.main.steps[0].input.c", 6, "read the workflow input with ${input} or ${user_input}"],
    ["workflows.main.steps[0].input.d", 6, "add for_each: to this step, or read a list with ${<step id>.output}"],
    ["workflows.main.steps[1].input.e", 8, "did you mean 'input'?"],
    ["workflows.main.steps[1].input.f", 8, "write ${read.output}"],
    ["workflows.main.steps[2].when", 10, "write ${read.output}"],
  ]);
  assert.match(problems.find((p) => p.path.endsWith("input.g"))!.hint, /cannot read its own output/);
});

test("validate - item and index are allowed inside for_each steps only", () => {
  const ok = yaml(...TOOL_STEPS, "      - id: list", "        tool: http", "      - tool: filesystem", '        for_each: "${list.output}"', "        concurrency: 2", '        args: { path: "${item.path}", n: "${index}" }');
  assert.equal(check(ok), []);
  const loopInLoop = check(yaml(...TOOL_STEPS, "      - tool: http", '        for_each: "${item}"'));
  assert.is(one(loopInLoop, "WFX_BAD_REFERENCE").path, "workflows.main.steps[0].for_each");
  const stray = check(yaml(...TOOL_STEPS, "      - tool: http", "        concurrency: 2"));
  assert.match(one(stray, "WFX_INVALID_VALUE").hint, /add for_each:/);
});

test.run();
