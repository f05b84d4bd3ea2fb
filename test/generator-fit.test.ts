import { test } from "uvu";
import * as assert from "uvu/assert";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { isAbsolute, join } from "node:path";
import { parse } from "yaml";
import { resolveAgentOptions } from "../src/agents/index.js";
import { WorkflowFileSchema } from "../src/config/index.js";
import { MemoryExecutionStore, Runtime } from "../src/engine/index.js";
import { createWorkflowGenerator, type GenerateWorkflowResult } from "../src/generator/index.js";
import { callJson, connectHttp } from "./helpers/gateway-mcp.js";
import { startTestNode } from "./helpers/gateway-node.js";
import { RUBRIC, RUBRIC_NODES } from "./helpers/generation-rubric.js";
import { startModelServer } from "./helpers/model-server.js";

const generator = createWorkflowGenerator({ env: {}, planner: "template" });
const server = await startModelServer();
const runtime = new Runtime({ store: new MemoryExecutionStore(), nodeId: "fit-test", env: server.env, agents: resolveAgentOptions({ progressIntervalMs: 1000 }) });
const dir = mkdtempSync(join(tmpdir(), "wfx-gen-fit-"));

test.after(async () => {
  await runtime.close();
  await server.close();
  rmSync(dir, { recursive: true, force: true });
});

type Tool = { id: string; type: string; mcp_url?: string; settings?: { root?: string } };
const generate = (c: (typeof RUBRIC)[number]) => generator.generate({ workflow_description: c.description }, { nodes: RUBRIC_NODES, ...(c.policy === undefined ? {} : { policy: c.policy }) });

test("rubric - every generated workflow validates and runs against the loopback model, its named folders fanned out over", async () => {
  let ran = 0;
  for (const [i, c] of RUBRIC.entries()) {
    const result = await generate(c);
    const tools = ((result.workflow_config["tools"] ?? []) as Tool[]);
    // Folders outside the test's own (/data/scans) and MCP servers that do not exist cannot be stood up here.
    if (tools.some((t) => t.type === "mcpremote" || isAbsolute(t.settings?.root ?? "."))) continue;
    const home = join(dir, `case-${i}`);
    mkdirSync(home, { recursive: true });
    for (const t of tools) {
      mkdirSync(join(home, t.settings?.root ?? "."), { recursive: true });
      if (t.id !== "output") writeFileSync(join(home, t.settings?.root ?? ".", "sample.pdf"), "a sample to read");
    }
    const path = join(home, `${result.workflow_name}.yaml`);
    writeFileSync(path, result.workflow_yaml);
    const record = await runtime.execute({ source: { file: WorkflowFileSchema.parse(parse(result.workflow_yaml)), path }, workflowName: result.workflow_name, input: { user_input: c.description, items: ["first", "second"] } });
    assert.is(record.status, "completed", `"${c.description}": ${JSON.stringify(record.error)}`);
    const fanned = record.steps.filter((s) => s.id === "list_files");
    for (const s of fanned) assert.equal((s.output as { matches: string[] }).matches, ["sample.pdf"], c.description);
    ran++;
  }
  assert.ok(ran >= RUBRIC.length - 4, `ran ${ran} of ${RUBRIC.length}`);
});

test("explanation - every step, tool and placement rule says which words of the description it came from", async () => {
  for (const c of RUBRIC) {
    const result = await generate(c);
    const parts = (result.explanation ?? []).map((e) => e.part);
    const file = result.workflow_config as { tools?: Tool[]; workflows: Record<string, { placement?: { tags?: string[] }; steps: { id: string }[] }> };
    const workflow = file.workflows[result.workflow_name]!;
    for (const step of workflow.steps) assert.ok(parts.some((p) => p === `step ${step.id}` || p.startsWith(`step ${step.id} `)), `${c.description}: step ${step.id} in ${parts}`);
    for (const tool of file.tools ?? []) assert.ok(parts.includes(`tool ${tool.id}`), `${c.description}: tool ${tool.id}`);
    for (const tag of workflow.placement?.tags ?? []) assert.ok(parts.includes(`placement.tags ${tag}`), `${c.description}: tag ${tag}`);
  }
  const first = await generate(RUBRIC[0]!);
  assert.equal(first.explanation!.filter((e) => e.part.startsWith("placement")), [{ part: "placement.tags gpu", words: "on GPU nodes" }, { part: "placement.tags eu", words: "in the EU" }]);
});

test("gateway - over MCP, a node tagged gpu and eu shapes the workflow to its tags and its caller policy, and what it generates runs", async () => {
  const node = await startTestNode({ tags: ["gpu", "eu"] }, { generator: createWorkflowGenerator({ env: {}, planner: "template" }), runtime: new Runtime({ store: new MemoryExecutionStore(), nodeId: "gpu-eu-node", env: server.env }) });
  const c = await connectHttp(node.node.mcpUrl!, "2026-07-28");
  try {
    const placed = await callJson(c, "generate_workflow", { workflow_description: "Summarise each contract in ./contracts on GPU nodes in the EU, on a high-memory node if one is free" });
    const config = placed["workflow_config"] as { workflows: Record<string, { placement?: unknown }> };
    assert.equal(config.workflows[String(placed["workflow_name"])]!.placement, { tags: ["gpu", "eu"] });
    assert.match(String((placed["warnings"] as string[])[0]), /high-memory.*tags the nodes carry: eu, gpu/);
    assert.ok((placed["explanation"] as { part: string }[]).some((e) => e.part === "step document_processor for_each"));

    const ran = await callJson(c, "execute_generated_workflow", { workflow_description: "Fetch https://status.example.com and summarise it", input_data: "the page" });
    assert.is(ran["status"], "completed", JSON.stringify(ran["error"]));
    const generation = ran["generation"] as GenerateWorkflowResult;
    assert.match(generation.warnings![0]!, /caller_policy\.tool_types/);
    assert.not.match(generation.workflow_yaml, /type: http/);
  } finally {
    await c.close();
    await node.close();
  }
});

test.run();
