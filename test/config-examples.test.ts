import { readdirSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { test } from "uvu";
import * as assert from "uvu/assert";
import { loadAndValidate, loadValidWorkflowFile, loadWorkflowFile, validateWorkflowFile, WorkflowInvalidError } from "../src/config/index.js";

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

test("examples - the source document's Example 1 validates as written; codebase_indexer is a built-in tool type", async () => {
  const result = await loadAndValidate(at("source-document-processing.yaml"));
  assert.equal(result.problems, []);
  assert.equal(result.file!.agents![0], { id: "document_processor", agent_type: "openai", description: "Reads and parses documents" });
  assert.equal(result.file!.workflows["document_processing"]!.steps[0]!.tools, ["filesystem", "codebase_indexer"]);
  const refused = await loadAndValidate(at("source-document-processing.yaml"), { allowAgentSteps: false });
  assert.equal(refused.problems.map((p) => p.code), ["WFX_AGENT_STEPS_UNAVAILABLE", "WFX_AGENT_STEPS_UNAVAILABLE", "WFX_AGENT_STEPS_UNAVAILABLE"]);
});

test("examples - the source document's quick-start workflow validates, and needs a model endpoint to run", async () => {
  assert.equal((await loadAndValidate(at("source-quick-start.yaml"))).problems, []);
  assert.equal((await loadAndValidate(at("source-quick-start.yaml"), { env: { OPENAI_API_KEY: "sk-test" } })).problems, []);
  assert.equal((await loadAndValidate(at("source-quick-start.yaml"), { env: { OPENAI_BASE_URL: "http://localhost:11434/v1" } })).problems, []);
  const unconfigured = await loadAndValidate(at("source-quick-start.yaml"), { env: {} });
  assert.equal(unconfigured.problems.map((p) => [p.code, p.path]), [["WFX_AGENT_NO_ENDPOINT", "workflows.demo.steps[0].agent"]]);
});

test("examples - the source document's configuration fragments match the schema (they only lack workflows:)", async () => {
  const fragments = readdirSync(FIXTURES).filter((f) => f.startsWith("fragment-"));
  assert.ok(fragments.length >= 9);
  for (const name of fragments) {
    const result = await loadWorkflowFile(at(name));
    assert.equal(result.problems.map((p) => [p.code, p.path]), [["WFX_MISSING_FIELD", "workflows"]], name);
  }
});

test("examples - every fragment validates once given workflows: and the tools its siblings declare", async () => {
  const fragments = readdirSync(FIXTURES).filter((f) => f.startsWith("fragment-"));
  const data = new Map<string, Record<string, unknown>>();
  for (const name of fragments) data.set(name, (await loadWorkflowFile(at(name))).data as Record<string, unknown>);
  const declared = new Map<string, unknown>();
  for (const d of data.values()) for (const tool of (d["tools"] ?? []) as { id: string }[]) if (!declared.has(tool.id)) declared.set(tool.id, tool);
  for (const [name, d] of data) {
    const own = new Set(((d["tools"] ?? []) as { id: string }[]).map((t) => t.id));
    const wanted = ((d["agents"] ?? []) as { tools?: string[] }[]).flatMap((a) => a.tools ?? []).filter((t) => !own.has(t) && declared.has(t));
    const file = { ...d, workflows: {}, ...(wanted.length > 0 ? { tools: [...((d["tools"] ?? []) as unknown[]), ...new Set(wanted)].map((t) => (typeof t === "string" ? declared.get(t) : t)) } : {}) };
    assert.equal(validateWorkflowFile(file), [], name);
  }
});

test("examples - a file that cannot run here throws WorkflowInvalidError from loadValidWorkflowFile", async () => {
  try {
    await loadValidWorkflowFile(at("source-quick-start.yaml"), { env: {} });
    assert.unreachable("should throw");
  } catch (err) {
    assert.instance(err, WorkflowInvalidError);
    const invalid = err as WorkflowInvalidError;
    assert.is(invalid.code, "WFX_WORKFLOW_INVALID");
    assert.is(invalid.problems.length, 1);
    assert.match(invalid.message, /source-quick-start.yaml:17:16 error WFX_AGENT_NO_ENDPOINT/);
  }
});

test.run();
