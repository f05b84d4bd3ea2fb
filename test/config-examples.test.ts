import { readdirSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { test } from "uvu";
import * as assert from "uvu/assert";
import { loadAndValidate, loadValidWorkflowFile, loadWorkflowFile, WorkflowInvalidError } from "../src/config/index.js";

const FIXTURES = fileURLToPath(new URL("../../test/fixtures/config/", import.meta.url));
const at = (name: string) => FIXTURES + name;

test("examples - a valid file using every feature loads clean", async () => {
  const result = await loadAndValidate(at("all-features.yaml"));
  assert.equal(result.problems, []);
  const file = result.file!;
  assert.ok(file);
  assert.equal(file.agents!.map((a) => [a.id, a.agent_type, a.description]), [
    ["summarizer", "openai", "Summarises documents"],
    ["reviewer", "openai", "Reviews code quality"],
  ]);
  const steps = file.workflows["document_processing"]!.steps;
  assert.equal(steps[0]!.retry, { max: 2, backoff_ms: 500, max_backoff_ms: 5000, multiplier: 3, jitter: 0 });
  assert.is(file.workflows["document_processing"]!.timeout, 120);
  assert.equal(file.development!.tools![0]!.settings, { base_url: "http://localhost:8080" });
  assert.is((await loadValidWorkflowFile(at("all-features.yaml"))).workflows["helper"]!.steps.length, 2);
});

test("examples - the source document's Example 1 loads, refused only for agent steps and the undeclared codebase_indexer", async () => {
  const result = await loadAndValidate(at("source-document-processing.yaml"));
  assert.is(result.file, undefined);
  assert.equal(
    result.problems.map((p) => [p.code, p.path]),
    [
      ["WFX_AGENT_STEPS_UNAVAILABLE", "workflows.document_processing.steps[0].agent"],
      ["WFX_UNKNOWN_TOOL", "workflows.document_processing.steps[0].tools[1]"],
      ["WFX_AGENT_STEPS_UNAVAILABLE", "workflows.document_processing.steps[1].agent"],
      ["WFX_AGENT_STEPS_UNAVAILABLE", "workflows.document_processing.steps[2].agent"],
    ],
  );
  assert.match(result.problems[1]!.message, /unknown tool 'codebase_indexer'/);
  const withAgents = await loadAndValidate(at("source-document-processing.yaml"), { allowAgentSteps: true });
  assert.equal(withAgents.problems.map((p) => p.code), ["WFX_UNKNOWN_TOOL"]);
  const parsed = await loadWorkflowFile(at("source-document-processing.yaml"));
  assert.equal(parsed.problems, [], "the schema accepts it as written, shorthand agents included");
  assert.equal(parsed.file!.agents![0], { id: "document_processor", agent_type: "openai", description: "Reads and parses documents" });
});

test("examples - the source document's quick-start workflow loads, refused only for its agent step", async () => {
  const result = await loadAndValidate(at("source-quick-start.yaml"));
  assert.equal(result.problems.map((p) => p.code), ["WFX_AGENT_STEPS_UNAVAILABLE"]);
  assert.equal((await loadAndValidate(at("source-quick-start.yaml"), { allowAgentSteps: true })).problems, []);
});

test("examples - the source document's configuration fragments match the schema (they only lack workflows:)", async () => {
  const fragments = readdirSync(FIXTURES).filter((f) => f.startsWith("fragment-"));
  assert.ok(fragments.length >= 9);
  for (const name of fragments) {
    const result = await loadWorkflowFile(at(name));
    assert.equal(result.problems.map((p) => [p.code, p.path]), [["WFX_MISSING_FIELD", "workflows"]], name);
  }
});

test("examples - an invalid file throws WorkflowInvalidError from loadValidWorkflowFile", async () => {
  try {
    await loadValidWorkflowFile(at("source-quick-start.yaml"));
    assert.unreachable("should throw");
  } catch (err) {
    assert.instance(err, WorkflowInvalidError);
    const invalid = err as WorkflowInvalidError;
    assert.is(invalid.code, "WFX_WORKFLOW_INVALID");
    assert.is(invalid.problems.length, 1);
    assert.match(invalid.message, /source-quick-start.yaml:17:16 error WFX_AGENT_STEPS_UNAVAILABLE/);
  }
});

test.run();
