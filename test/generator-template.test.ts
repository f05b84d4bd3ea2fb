import { test } from "uvu";
import * as assert from "uvu/assert";
import { readFileSync } from "node:fs";
import { parse } from "yaml";
import { resolveAgentOptions } from "../src/agents/index.js";
import { validateWorkflowFile, WorkflowFileSchema } from "../src/config/index.js";
import { MemoryExecutionStore, Runtime } from "../src/engine/index.js";
import { AGENT_BOUNDS, createWorkflowGenerator, type Complexity } from "../src/generator/index.js";
import { FIXTURES } from "./helpers/engine-fixture.js";
import { agentOf, startModelServer } from "./helpers/model-server.js";

const DESCRIPTIONS = JSON.parse(readFileSync(`${FIXTURES}generator/descriptions.json`, "utf8")) as { description: string; complexity?: Complexity }[];
const generator = createWorkflowGenerator({ env: {} });
const server = await startModelServer();
const runtime = new Runtime({ store: new MemoryExecutionStore(), nodeId: "template-test", env: server.env, agents: resolveAgentOptions({ progressIntervalMs: 1000 }) });

test.after(async () => {
  await runtime.close();
  await server.close();
});

test("template - 30 varied descriptions: each validates, keeps its complexity bounds, round-trips through YAML and runs end to end", async () => {
  assert.is(DESCRIPTIONS.length, 30);
  const toolTypes = runtime.options.tools.types();
  for (const { description, complexity } of DESCRIPTIONS) {
    const result = await generator.generate({ workflow_description: description, ...(complexity === undefined ? {} : { complexity }) });
    const label = `"${description}": ${result.message}`;
    assert.is(result.validation_status, "valid", `${label} ${JSON.stringify(result.validation_errors)}`);
    assert.is(result.generator, "template");
    assert.match(result.message, /^Template-based generation/);
    const agents = result.workflow_config["agents"] as { id: string; tools?: string[] }[];
    const { min, max } = AGENT_BOUNDS[result.complexity!];
    if (complexity !== undefined) assert.is(result.complexity, complexity);
    assert.ok(agents.length >= min && agents.length <= max, `${label}: ${agents.length} agents`);
    for (const tool of agents.flatMap((a) => a.tools ?? [])) assert.ok(toolTypes.includes(tool), `${label}: tool ${tool} exists in the registry`);
    const fromYaml = parse(result.workflow_yaml) as unknown;
    assert.equal(fromYaml, result.workflow_config, `${label}: YAML round-trips`);
    assert.equal(validateWorkflowFile(fromYaml, undefined, { env: server.env, toolTypes }), [], label);

    const before = server.requests.length;
    const record = await runtime.execute({ source: { file: WorkflowFileSchema.parse(fromYaml) }, workflowName: result.workflow_name, input: { user_input: description } });
    assert.is(record.status, "completed", `${label}: ${JSON.stringify(record.error)}`);
    const asked = server.requests.slice(before).map((r) => agentOf(r.body)).sort();
    assert.equal(asked, agents.map((a) => a.id).sort(), `${label}: every agent was called once`);
    assert.type(record.result, "string");
  }
});

test("template - shapes follow the level: simple is a line, medium runs analyses in parallel, complex reads and analyses in parallel", async () => {
  const simple = await generator.generate({ workflow_description: "Summarize this article", complexity: "simple" });
  assert.match(simple.message, /document_processor -> summarizer;/);
  const medium = await generator.generate({ workflow_description: "Analyze customer feedback, extract insights, and generate action items", complexity: "medium" });
  assert.match(medium.message, /feedback_collector -> \[data_analyst, information_extractor\] -> insight_synthesizer/);
  const steps = (medium.workflow_config["workflows"] as Record<string, { steps: { id: string; input: unknown }[] }>)[medium.workflow_name]!.steps;
  assert.equal(steps.at(-1)!.input, { data_analyst: "${data_analyst.output}", information_extractor: "${information_extractor.output}" });
  const complex = await generator.generate({ workflow_description: "Analyze codebase for security vulnerabilities and performance issues", complexity: "complex" });
  assert.match(complex.message, /code_analyzer -> \[data_analyst, security_analyzer, performance_analyzer\] -> summarizer/);
});

test("template - agents_config overrides a detected agent and adds a new one; tools_config adds tools; the level still holds", async () => {
  const result = await generator.generate({
    workflow_description: "Summarize this article",
    complexity: "medium",
    agents_config: { summarizer: { model: "gpt-4o", temperature: 0.1 }, editor_in_chief: { system_prompt: "You are editor_in_chief. Approve or reject.", tools: ["filesystem", "mcpremote"] } },
    tools_config: { wiki: { type: "http", settings: { base_url: "https://wiki.example.com/api" } } },
  });
  assert.is(result.validation_status, "valid", JSON.stringify(result.validation_errors));
  const agents = result.workflow_config["agents"] as Record<string, unknown>[];
  assert.ok(agents.length >= 3 && agents.length <= 4);
  const summarizer = agents.find((a) => a["id"] === "summarizer")!;
  assert.equal([summarizer["model"], summarizer["temperature"]], ["gpt-4o", 0.1]);
  assert.ok((summarizer["tools"] as string[]).includes("wiki"), "generated agents are offered tools_config tools");
  const chief = agents.find((a) => a["id"] === "editor_in_chief")!;
  assert.equal(chief["tools"], ["filesystem"]);
  assert.match(result.message, /left mcpremote out of agent editor_in_chief's tools/);
  const steps = (result.workflow_config["workflows"] as Record<string, { steps: Record<string, unknown>[] }>)[result.workflow_name]!.steps;
  assert.equal(steps.at(-1), { id: "editor_in_chief", agent: "editor_in_chief", input: `\${${String(steps.at(-2)!["id"])}.output}`, output: { to: "user" } });
  assert.ok((result.workflow_config["tools"] as { id: string }[]).some((t) => t.id === "wiki"));
});

test("template - bad requests and impossible bounds are answered as invalid, with the reason", async () => {
  const empty = await generator.generate({ workflow_description: "  " });
  assert.equal([empty.validation_status, empty.validation_errors[0]!.code], ["invalid", "WFX_GENERATION_BAD_REQUEST"]);
  const level = await generator.generate({ workflow_description: "x", complexity: "huge" as Complexity });
  assert.is(level.validation_errors[0]!.path, "complexity");
  const crowded = await generator.generate({ workflow_description: "Summarize", complexity: "simple", agents_config: { a: {}, b: {}, c: {} } });
  assert.is(crowded.validation_status, "invalid");
  assert.ok(crowded.validation_errors.some((p) => p.code === "WFX_COMPLEXITY_BOUNDS" && /has 3 agents, but simple workflows have 1-2 agents/.test(p.message)));
});

test.run();
