import { test } from "uvu";
import * as assert from "uvu/assert";
import { resolveCallerPolicy } from "../src/config/index.js";
import { createWorkflowGenerator, type CapabilityNode, type Complexity, type GenerationContext } from "../src/generator/index.js";
import { RUBRIC, RUBRIC_NODES, rubricMisses } from "./helpers/generation-rubric.js";
import { echoScript, lastOf, startModelServer, type ChatBody, type ModelTurn } from "./helpers/model-server.js";

/**
 * A model that designs from what the prompt tells it: the nodes, the caller policy and the level are read back out of
 * the system prompt (so a capability missing from the prompt is missing from the answer), then planned as templates.
 */
const planner = createWorkflowGenerator({ env: {}, planner: "template" });
let breakFirstAnswer: ((file: Record<string, unknown>) => void) | undefined;

function contextFrom(system: string): GenerationContext {
  const nodesText = /The cluster's nodes: (.*?)\. Tags that exist/.exec(system)?.[1] ?? "";
  const nodes: CapabilityNode[] = [...nodesText.matchAll(/([\w-]+) \(tags: ([^;)]*)/g)].map((m) => ({ id: m[1]!, tags: m[2] === "none" ? [] : m[2]!.split(", ") }));
  const policy = /runs as a caller's: tool types allowed: (.*?); http hosts: (.*?); MCP servers: (.*?); roots/.exec(system);
  const list = (text: string) => (text === "none" ? [] : text.split(", "));
  return { nodes, ...(policy === null ? {} : { policy: resolveCallerPolicy({ tool_types: list(policy[1]!), http_hosts: list(policy[2]!), mcp_servers: list(policy[3]!) }) }) };
}

async function designer(body: ChatBody): Promise<ModelTurn> {
  const system = lastOf(body, "system");
  const description = body.messages.find((m) => m.role === "user")!.content!.replace(/^Workflow description: /, "");
  const complexity = /this is a (simple|medium|complex) workflow/.exec(system)![1] as Complexity;
  const planned = await planner.generate({ workflow_description: description, complexity }, contextFrom(system));
  const file = { ...planned.workflow_config, explanation: planned.explanation };
  if (body.messages.length === 2 && breakFirstAnswer !== undefined) breakFirstAnswer(file);
  return { content: JSON.stringify(file) };
}

const server = await startModelServer((body, call) => (body.response_format === undefined ? echoScript(body, call) : designer(body)));
const generator = createWorkflowGenerator({ env: server.env, agentOptions: { backoffMs: 10 } });
const generations = () => server.requests.filter((r) => r.body.response_format !== undefined);

test.before.each(() => {
  server.requests.length = 0;
  breakFirstAnswer = undefined;
});
test.after(() => server.close());

test("model rubric - the model planner, told the cluster's capabilities, fits every description", async () => {
  const misses: string[] = [];
  for (const c of RUBRIC) {
    const result = await generator.generate({ workflow_description: c.description }, { nodes: RUBRIC_NODES, ...(c.policy === undefined ? {} : { policy: c.policy }) });
    assert.is(result.generator, "model");
    const missed = rubricMisses(result, c);
    if (missed.length > 0) misses.push(`"${c.description}": ${missed.join("; ")}`);
  }
  console.log(`rubric fit (model planner, loopback model): ${RUBRIC.length - misses.length}/${RUBRIC.length}`);
  assert.equal(misses, []);
  assert.is(generations().length, RUBRIC.length, "a fitting answer passes the fit check in one round");
});

test("model prompt - carries the nodes, their tags and resources, the caller policy and what the description was read to need", async () => {
  const policy = resolveCallerPolicy({ tool_types: ["filesystem", "http"], http_hosts: ["status.example.com"] });
  await generator.generate({ workflow_description: RUBRIC[0]!.description }, { nodes: RUBRIC_NODES, policy });
  const system = lastOf(generations()[0]!.body, "system");
  assert.match(system, "gpu-eu-1 (tags: gpu, eu; resources: gpu=2, memory_gb=64)");
  assert.match(system, "Tags that exist: eu, gpu, high-memory, us; use no other tag.");
  assert.match(system, "tool types allowed: filesystem, http; http hosts: status.example.com");
  assert.match(system, "placement.tags gpu ('on GPU nodes'); placement.tags eu ('in the EU'); for_each, concurrency 4");
  assert.match(system, "a filesystem tool rooted at ./contracts");
  const schema = generations()[0]!.body.response_format!.json_schema!.schema as { properties: Record<string, unknown> };
  assert.ok(schema.properties["explanation"], "the schema asks for the explanation");
});

test("model repair - an answer without the placement, the fan-out and the root is sent back with each miss and the repair fits", async () => {
  breakFirstAnswer = (file) => {
    const workflows = file["workflows"] as Record<string, Record<string, unknown>>;
    const workflow = Object.values(workflows)[0]!;
    delete workflow["placement"];
    workflow["steps"] = (workflow["steps"] as Record<string, unknown>[]).filter((s) => s["id"] !== "list_files").map(({ for_each: _f, concurrency: _c, ...s }) => ({ ...s, input: s["input"] === "${item}" ? "${user_input}" : s["input"] }));
    file["tools"] = [{ id: "filesystem", type: "filesystem", settings: { root: "." } }];
  };
  const c = RUBRIC[0]!;
  const result = await generator.generate({ workflow_description: c.description }, { nodes: RUBRIC_NODES });
  assert.is(result.rounds, 2);
  const repair = lastOf(generations()[1]!.body, "user");
  assert.match(repair, "asks for nodes tagged gpu ('on GPU nodes'), but no placement requires it");
  assert.match(repair, "no step has for_each");
  assert.match(repair, "names ./contracts, but no filesystem tool is rooted there");
  assert.equal(rubricMisses(result, c), []);
  assert.ok(result.explanation!.some((e) => e.part === "placement.tags gpu" && e.words === "on GPU nodes"), "the model's explanation is kept");
});

test("model repair - a tag no node carries is sent back; a model that keeps it gets an invalid answer, never an unplaceable workflow", async () => {
  breakFirstAnswer = (file) => {
    Object.values(file["workflows"] as Record<string, Record<string, unknown>>)[0]!["placement"] = { tags: ["tpu"] };
  };
  const repaired = await generator.generate({ workflow_description: "Run the image captioning on GPU nodes" }, { nodes: RUBRIC_NODES });
  assert.equal([repaired.validation_status, repaired.rounds], ["valid", 2]);
  assert.match(lastOf(generations()[1]!.body, "user"), "no node carries the tag 'tpu' (hint: use only tags the nodes carry: eu, gpu, high-memory, us)");

  const stubborn = createWorkflowGenerator({ env: server.env, repairRounds: 1 });
  breakFirstAnswer = undefined;
  const server2Answer = { agents: [{ id: "a", agent_type: "openai", system_prompt: "You are a." }], workflows: { w: { placement: { tags: ["tpu"] }, steps: [{ id: "a", agent: "a", input: "${user_input}", output: { to: "user" } }] } } };
  server.script = (body, call) => (body.response_format === undefined ? echoScript(body, call) : { content: JSON.stringify(server2Answer) });
  const refused = await stubborn.generate({ workflow_description: "Caption images", complexity: "simple" }, { nodes: RUBRIC_NODES });
  assert.equal([refused.validation_status, refused.validation_errors.map((p) => p.code)], ["invalid", ["WFX_GENERATION_UNPLACEABLE"]]);
});

test.run();
