import { test } from "uvu";
import * as assert from "uvu/assert";
import { adjustWorkflowFile, applyConfigOverride, applyEnvironment, compileCondition, deepMerge, parseWorkflowYaml, substituteSecrets, WorkflowInvalidError, type WorkflowFile } from "../src/config/index.js";
import { FIXTURES } from "./helpers/engine-fixture.js";
import { readFileSync } from "node:fs";

const file = parseWorkflowYaml(readFileSync(`${FIXTURES}config/fragment-environments.yaml`, "utf8") + "tools:\n  - id: workflow_executor\n    type: mcpworkflow_executor\n    description: local\nagents:\n  - id: analyzer\n    model: gpt-4o\n    timeout: 60\n    tools: [workflow_executor]\nworkflows:\n  main:\n    steps:\n      - agent: analyzer\n", "envs.yaml").file as WorkflowFile;

test("environments - a section replaces entries by id and adds new ones; the same name gives the same object", () => {
  assert.ok(file);
  const staging = applyEnvironment(file, "staging");
  assert.equal(staging.tools!.map((t) => [t.id, t.type, t.mcp_url]), [["workflow_executor", "mcpremote", "http://staging-workflow-server:4020"]]);
  const production = applyEnvironment(file, "production");
  assert.equal(production.tools!.map((t) => t.id), ["workflow_executor", "workflow_executor_cluster"]);
  assert.is(applyEnvironment(file, "production"), production, "cached, so compiled plans are reused");
  assert.is(applyEnvironment(file, undefined), file);
  assert.equal(Object.keys(production).sort(), ["agents", "tools", "workflows"], "the sections themselves are gone");
  assert.throws(() => applyEnvironment(file, "prod"), /unknown environment 'prod'/);
});

test("config_override - deep-merges onto named agents; unknown agents and sections are problems", () => {
  const merged = applyConfigOverride(file, { agents: { analyzer: { model: "gpt-4o-mini", timeout: 120 } } });
  assert.equal(merged.problems, []);
  const analyzer = merged.file!.agents![0]!;
  assert.equal([analyzer.model, analyzer.timeout, analyzer.tools], ["gpt-4o-mini", 120, ["workflow_executor"]]);
  assert.is(file.agents![0]!.model, "gpt-4o", "the original file is untouched");
  const bad = applyConfigOverride(file, { agents: { analyser: { model: "x" } }, memory: { backend: "redis" } });
  assert.equal(bad.problems.map((p) => [p.code, p.path]), [["WFX_UNKNOWN_AGENT", "config_override.agents.analyser"], ["WFX_UNKNOWN_KEY", "config_override.memory"]]);
  assert.match(bad.problems[0]!.hint, /did you mean 'analyzer'/);
  const invalid = applyConfigOverride(file, { agents: { analyzer: { temperature: 7 } } });
  assert.equal(invalid.problems.map((p) => p.code), ["WFX_INVALID_VALUE"]);
  assert.throws(() => adjustWorkflowFile(file, { configOverride: { agents: { nobody: {} } } }), (e: unknown) => e instanceof WorkflowInvalidError);
});

test("secrets - ${NAME} and ${env.NAME} come from the environment; $${ stays literal; missing ones are named", () => {
  assert.equal(substituteSecrets("Bearer ${TOKEN} / ${env.USER_ID} / $${LITERAL}", { TOKEN: "t", USER_ID: "u" }), { value: "Bearer t / u / ${LITERAL}", missing: [] });
  assert.equal(substituteSecrets("Bearer ${WORKFLOW_EXECUTOR_TOKEN}", {}).missing, ["WORKFLOW_EXECUTOR_TOKEN"]);
});

test("own keys - names that every object inherits are nobody's workflow, key, variable or hint", () => {
  const named = applyConfigOverride(file, { workflows: { constructor: { timeout: 5 }, toString: { timeout: 5 } } });
  assert.equal(named.problems.map((p) => p.message), ["unknown workflow 'constructor'", "unknown workflow 'toString'"]);
  const merged = deepMerge({ a: 1 }, JSON.parse('{"__proto__": {"polluted": true}, "b": 2}')) as Record<string, unknown>;
  assert.is(Object.getPrototypeOf(merged), Object.prototype, "a JSON __proto__ key does not become the result's prototype");
  assert.equal([merged["polluted"], Object.hasOwn(merged, "__proto__"), merged["b"]], [undefined, true, 2]);
  assert.is(({} as Record<string, unknown>)["polluted"], undefined);
  assert.equal(substituteSecrets("${constructor}${toString}", { PATH: "/bin" }), { value: "", missing: ["constructor", "toString"] });
  assert.throws(() => compileCondition("constructor"), (e: Error & { hint?: string }) => typeof e.hint === "string" && e.hint.includes("wrap references in"));
});

test.run();
