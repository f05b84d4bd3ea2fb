import { readdirSync, readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { test } from "uvu";
import * as assert from "uvu/assert";
import { checkWorkflowFile, CONFIG_PROBLEM_CODES, NODE_PROFILE_ENV, formatProblems, validateWorkflowFile } from "../src/config/index.js";
import { check, expectProblem, one, TOOL_STEPS, yaml } from "./helpers/validate.js";

const FIXTURES = fileURLToPath(new URL("../../test/fixtures/config/", import.meta.url));
const CONFIG_SRC = fileURLToPath(new URL("../../src/config/", import.meta.url));

test("validate - an unknown key is named with a did-you-mean", () => {
  const problems = check(yaml(...TOOL_STEPS, "      - id: read", "        tool: filesystem", "      - id: extract", "        tool: http", "        dependson: [read]"));
  expectProblem(one(problems, "WFX_UNKNOWN_KEY"), {
    path: "workflows.main.steps[1].dependson",
    line: 8,
    column: 9,
    message: "unknown key 'dependson' — did you mean 'depends_on'?",
    hint: "did you mean 'depends_on'?",
  });
  const far = check(yaml("workflows: {}", "colour: blue"));
  expectProblem(one(far, "WFX_UNKNOWN_KEY"), { path: "colour", line: 2, column: 1, hint: /allowed keys here: 'agents', 'tools', 'workflows'/ });
});

test("validate - missing keys, wrong types and out-of-range values", () => {
  expectProblem(one(check(yaml("workflows:", "  main:", "    description: no steps")), "WFX_MISSING_FIELD"), {
    path: "workflows.main.steps",
    line: 2,
    column: 3,
    message: "missing required key 'steps'",
    hint: /steps is a list/,
  });
  const typed = check(yaml(...TOOL_STEPS, "      - tool: http", "        timeout: 30s", "        concurrency: 0", "        for_each: [1]", "        retry: { max: 1, jitter: 2 }"));
  expectProblem(one(typed, "WFX_INVALID_TYPE"), { path: "workflows.main.steps[0].timeout", line: 5, column: 18, message: "expected a number, got the text '30s'", hint: /seconds/ });
  const ranges = typed.filter((p) => p.code === "WFX_INVALID_VALUE").map((p) => [p.path, p.line]);
  assert.equal(ranges, [
    ["workflows.main.steps[0].concurrency", 6],
    ["workflows.main.steps[0].retry.jitter", 8],
  ]);
  expectProblem(one(check(yaml(...TOOL_STEPS, "      - tool: http", "        timeout: -5")), "WFX_INVALID_VALUE"), {
    path: "workflows.main.steps[0].timeout",
    line: 5,
    hint: "timeouts are in seconds, e.g. timeout: 30",
  });
  expectProblem(one(check(yaml("workflows:", "  main:", "    steps: []")), "WFX_INVALID_VALUE"), { path: "workflows.main.steps", line: 3, hint: /steps is a list/ });
});

test("validate - a step needs exactly one of agent, tool, function, workflow", () => {
  const problems = check(yaml(...TOOL_STEPS, "      - tool: http", "        function: ./steps.js#x", "      - id: nothing", "        input: 1"), { checkFunctionFiles: false });
  const kinds = problems.filter((p) => p.code === "WFX_STEP_KIND");
  assert.equal(kinds.map((p) => [p.path, p.line, p.message]), [
    ["workflows.main.steps[0]", 4, "a step needs exactly one of agent, tool, function or workflow, found tool and function"],
    ["workflows.main.steps[1]", 6, "a step needs one of agent, tool, function or workflow"],
  ]);
  assert.match(kinds[0]!.hint, /exactly one of agent:, tool:, function: or workflow:/);
});

test("validate - ids must be usable in references and not reserved", () => {
  const problems = check(yaml(...TOOL_STEPS, "      - id: my step", "        tool: http", "      - id: input", "        tool: http"));
  expectProblem(one(problems, "WFX_INVALID_ID"), { path: "workflows.main.steps[0].id", line: 4, column: 13, hint: /letters, digits/ });
  expectProblem(one(problems, "WFX_RESERVED_STEP_ID"), { path: "workflows.main.steps[1].id", line: 6, hint: /rename the step/ });
});

test("validate - duplicate agent, tool and step ids", () => {
  const problems = check(
    yaml(
      "agents:",
      "  - id: writer",
      "  - writer: Writes things",
      "tools:",
      "  - { id: fs, type: filesystem }",
      "  - { id: fs, type: http }",
      "workflows:",
      "  main:",
      "    steps:",
      "      - tool: filesystem",
      "      - tool: filesystem",
      "      - { id: x, tool: http }",
      "      - { id: x, tool: http }",
    ),
  );
  const dupes = problems.filter((p) => p.code === "WFX_DUPLICATE_ID");
  assert.equal(dupes.map((p) => [p.path, p.line]), [
    ["agents[1].id", 3],
    ["tools[1].id", 6],
    ["workflows.main.steps[1]", 11],
    ["workflows.main.steps[3].id", 13],
  ]);
  assert.match(dupes[0]!.message, /duplicate agent id 'writer'/);
  assert.match(dupes[2]!.message, /duplicate step id 'filesystem' \(also workflows.main.steps\[0\]\)/);
  assert.match(dupes[2]!.hint, /give this one an explicit id:/);
  assert.is(dupes[3]!.hint, "rename one of them");
});

test("validate - agent steps are accepted; allowAgentSteps: false still refuses them", () => {
  const text = yaml("agents:", "  - id: summarizer", "workflows:", "  main:", "    steps:", "      - agent: summarizer");
  assert.equal(check(text), []);
  expectProblem(one(check(text, { allowAgentSteps: false }), "WFX_AGENT_STEPS_UNAVAILABLE"), {
    path: "workflows.main.steps[0].agent",
    line: 6,
    column: 16,
    message: "agent steps are switched off for this validation",
    hint: /tool: or function: step/,
  });
});

test("validate - unknown agent types, and mcpremote named without a declaration of its own", () => {
  const problems = check(yaml("agents:", "  - id: a", "    agent_type: anthropik", "    tools: [mcpremote]", "workflows:", "  main:", "    steps:", "      - agent: a", "      - tool: mcpremote"));
  expectProblem(one(problems, "WFX_INVALID_VALUE"), { path: "agents[0].agent_type", line: 3, hint: /known agent types: 'openai'/ });
  const bare = problems.filter((p) => p.code === "WFX_MISSING_FIELD");
  assert.equal(bare.map((p) => [p.path, p.line]), [["agents[0].tools[0]", 4], ["workflows.main.steps[1].tool", 9]]);
  assert.match(bare[0]!.hint, /declare it under tools: with an id, type: mcpremote and mcp_url/);
});

test("validate - unknown agents, tools, tool types and sub-workflows", () => {
  const problems = check(
    yaml(
      "agents:",
      "  - id: summarizer",
      "    tools: [filesystm]",
      "tools:",
      "  - { id: docs, type: filesytem }",
      "  - { id: remote, type: mcpremote }",
      "workflows:",
      "  main:",
      "    steps:",
      "      - agent: sumarizer",
      "      - tool: dcos",
      "      - workflow: helpr",
      "  helper:",
      "    steps:",
      "      - tool: docs",
    ),
    { allowAgentSteps: true },
  );
  expectProblem(one(problems, "WFX_UNKNOWN_AGENT"), { path: "workflows.main.steps[0].agent", line: 10, hint: "did you mean 'summarizer'?" });
  const tools = problems.filter((p) => p.code === "WFX_UNKNOWN_TOOL");
  assert.equal(tools.map((p) => [p.path, p.line, p.hint]), [
    ["agents[0].tools[0]", 3, "did you mean 'filesystem'?"],
    ["workflows.main.steps[1].tool", 11, "did you mean 'docs'?"],
  ]);
  expectProblem(one(problems, "WFX_UNKNOWN_TOOL_TYPE"), { path: "tools[0].type", line: 5, hint: "did you mean 'filesystem'?" });
  expectProblem(one(problems, "WFX_MISSING_FIELD"), { path: "tools[1].mcp_url", line: 6, hint: /mcp_url:/ });
  expectProblem(one(problems, "WFX_UNKNOWN_WORKFLOW"), { path: "workflows.main.steps[2].workflow", line: 12, hint: "did you mean 'helper'?" });
  const unrelated = check(yaml(...TOOL_STEPS, "      - tool: zzz_unrelated"));
  assert.match(one(unrelated, "WFX_UNKNOWN_TOOL").hint, /known tools .*'filesystem', 'http', 'mcpremote', 'mcpworkflow_executor'/);
});

test("validate - function modules must exist inside the workflow folder", () => {
  const text = yaml(...TOOL_STEPS, "      - function: ../outside.js#run", "      - function: { module: /etc/passwd }", "      - function: ./step.js#splitWords", "      - function: ./steps.js#splitWords");
  const problems = check(text, { baseDir: FIXTURES });
  const outside = problems.filter((p) => p.code === "WFX_FUNCTION_OUTSIDE_FOLDER");
  assert.equal(outside.map((p) => [p.path, p.line]), [
    ["workflows.main.steps[0].function", 4],
    ["workflows.main.steps[1].function", 5],
  ]);
  assert.match(outside[0]!.hint, /workflow's folder/);
  expectProblem(one(problems, "WFX_FUNCTION_NOT_FOUND"), { path: "workflows.main.steps[2].function", line: 6, hint: "did you mean './steps.js'?", message: "module './step.js' does not exist" });
  const textOnly = check(text);
  assert.is(textOnly.filter((p) => p.code === "WFX_FUNCTION_OUTSIDE_FOLDER").length, 2, "escapes are caught without a folder too");
  assert.is(textOnly.filter((p) => p.code === "WFX_FUNCTION_NOT_FOUND").length, 0, "existence needs a folder");
});

test("validate - environment overlays are checked against the file they extend", () => {
  const problems = check(
    yaml("tools:", "  - { id: docs, type: filesystem }", "workflows:", "  main:", "    steps:", "      - tool: docs", "production:", "  workflows:", "    main:", "      steps:", "        - tool: dcs", "        - tool: docs"),
  );
  expectProblem(one(problems, "WFX_UNKNOWN_TOOL"), { path: "production.workflows.main.steps[0].tool", line: 11, hint: "did you mean 'docs'?" });
});

test("validate - reports every problem at once, schema and semantic together, in file order", () => {
  const problems = check(
    yaml(...TOOL_STEPS, "      - id: read", "        tool: filesystem", "        timeout: soon", "      - tool: http", "        depends_on: [raed]", "        retyr: { max: 2 }", "      - agent: ghost"),
  );
  assert.equal(
    problems.map((p) => p.code),
    ["WFX_INVALID_TYPE", "WFX_UNKNOWN_STEP", "WFX_UNKNOWN_KEY", "WFX_UNKNOWN_AGENT"],
  );
  assert.ok(problems.every((p) => p.line !== undefined && p.column !== undefined && p.hint.length > 0));
});

test("validate - a programmatic file without YAML still validates, without positions", () => {
  const problems = validateWorkflowFile({ workflows: { main: { steps: [{ tool: "http", depends_on: ["nope"] }] } } });
  const problem = one(problems, "WFX_UNKNOWN_STEP");
  assert.is(problem.line, undefined);
  assert.is(formatProblems([problem], "<generated>"), "<generated> error WFX_UNKNOWN_STEP workflows.main.steps[0].depends_on[0]: unknown step 'nope'\n    hint: known steps: 'http'");
});

test("validate - checkWorkflowFile gives the typed file only when there is no problem", () => {
  const valid = checkWorkflowFile({ agents: [{ writer: "writes" }], workflows: { main: { steps: [{ agent: "writer" }] } } });
  assert.equal(valid.problems, []);
  assert.equal(valid.file?.agents, [{ id: "writer", agent_type: "openai", description: "writes" }], "shorthand normalised and defaults filled, as WorkflowFileSchema.parse gives it");
  const invalid = checkWorkflowFile({ workflows: { main: { steps: [{ tool: "http", depends_on: ["nope"] }] } } });
  assert.is(invalid.file, undefined, "schema-valid, but a semantic problem");
  one(invalid.problems, "WFX_UNKNOWN_STEP");
});

test("validate - every problem code the config layer emits is documented", () => {
  const used = new Set<string>();
  for (const file of readdirSync(CONFIG_SRC).filter((f) => f.endsWith(".ts"))) {
    for (const match of readFileSync(CONFIG_SRC + file, "utf8").matchAll(/"(WFX_[A-Z_]+)"/g)) if (!Object.hasOwn(NODE_PROFILE_ENV, match[1]!)) used.add(match[1]!);
  }
  const documented = Object.keys(CONFIG_PROBLEM_CODES);
  for (const code of used) assert.ok(documented.includes(code), `${code} is used but not in CONFIG_PROBLEM_CODES`);
  for (const code of documented) assert.ok(used.has(code), `${code} is documented but never used`);
});

test.run();
