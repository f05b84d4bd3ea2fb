import { test } from "uvu";
import * as assert from "uvu/assert";
import {
  AgentDefSchema,
  BUILTIN_TOOL_TYPES,
  parseFunctionRef,
  PlacementSchema,
  RetryPolicySchema,
  StepDefSchema,
  stepIdOf,
  ToolDefSchema,
  WorkflowDefSchema,
  WorkflowFileSchema,
} from "../src/config/index.js";

test("schema - agent shorthand and defaults", () => {
  assert.equal(AgentDefSchema.parse({ document_processor: "Reads and parses documents" }), {
    id: "document_processor",
    agent_type: "openai",
    description: "Reads and parses documents",
  });
  assert.equal(AgentDefSchema.parse({ analyst: { model: "gpt-4o" } }), { id: "analyst", agent_type: "openai", model: "gpt-4o" });
  assert.is(AgentDefSchema.parse({ id: "a", agent_type: "ollama" }).agent_type, "ollama");
  assert.not.ok(AgentDefSchema.safeParse({ model: "gpt-4o" }).success, "a lone known key is not shorthand");
  assert.not.ok(AgentDefSchema.safeParse({ id: "a", modle: "x" }).success, "unknown keys are errors");
});

test("schema - retry defaults: 200 ms, x2, capped at 30 s, 20% jitter", () => {
  assert.equal(RetryPolicySchema.parse({ max: 3 }), { max: 3, backoff_ms: 200, max_backoff_ms: 30000, multiplier: 2, jitter: 0.2 });
  assert.not.ok(RetryPolicySchema.safeParse({ max: -1 }).success);
  assert.not.ok(RetryPolicySchema.safeParse({ max: 1, backoff_ms: 5000, max_backoff_ms: 100 }).success);
});

test("schema - steps take exactly one kind; function refs have two forms", () => {
  assert.ok(StepDefSchema.safeParse({ tool: "http" }).success);
  assert.ok(StepDefSchema.safeParse({ function: { module: "./m.js", export: "run" } }).success);
  assert.not.ok(StepDefSchema.safeParse({ tool: "http", workflow: "w" }).success);
  assert.not.ok(StepDefSchema.safeParse({ input: 1 }).success);
  assert.not.ok(StepDefSchema.safeParse({ tool: "http", timeout: 0 }).success, "timeouts are seconds > 0");
  assert.equal(parseFunctionRef("./lib/text.js#clean"), { module: "./lib/text.js", export: "clean" });
  assert.equal(parseFunctionRef("./lib/text.js"), { module: "./lib/text.js", export: "default" });
  assert.equal(parseFunctionRef({ module: "./m.js" }), { module: "./m.js", export: "default" });
});

test("schema - step ids default to the agent, tool, workflow or function name", () => {
  assert.is(stepIdOf({ id: "x", tool: "http" }, 0), "x");
  assert.is(stepIdOf({ agent: "summarizer" }, 0), "summarizer");
  assert.is(stepIdOf({ tool: "filesystem" }, 1), "filesystem");
  assert.is(stepIdOf({ workflow: "helper" }, 2), "helper");
  assert.is(stepIdOf({ function: "./steps.js#splitWords" }, 3), "splitWords");
  assert.is(stepIdOf({ function: "./lib/clean-text.js" }, 4), "clean-text");
  assert.is(stepIdOf({}, 5), "step_6");
});

test("schema - placement, tools, workflows and the file are strict", () => {
  assert.ok(PlacementSchema.safeParse({ tags: ["gpu"], prefer: ["eu"], avoid: ["spot"], target_instance: "gpu_pool" }).success);
  assert.not.ok(PlacementSchema.safeParse({ tag: ["gpu"] }).success);
  assert.ok(ToolDefSchema.safeParse({ id: "r", type: "mcpremote", mcp_url: "http://x", headers: { A: "b" }, timeout: 300, retry_count: 3 }).success);
  assert.not.ok(WorkflowDefSchema.safeParse({ steps: [] }).success);
  assert.ok(WorkflowFileSchema.safeParse({ workflows: {}, production: { tools: [{ id: "t", type: "http" }] } }).success);
  assert.not.ok(WorkflowFileSchema.safeParse({ workflows: {}, memory: {} }).success);
  assert.equal([...BUILTIN_TOOL_TYPES], ["filesystem", "http", "mcpremote", "mcpworkflow_executor", "codebase_indexer"]);
});

test.run();
