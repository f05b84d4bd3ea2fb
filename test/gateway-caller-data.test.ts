import { test } from "uvu";
import * as assert from "uvu/assert";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { ExecutorNode } from "../src/node/index.js";
import { silentLogger } from "../src/observability/index.js";
import { post, TOKENS, tokensText } from "./helpers/gateway-node.js";
import { echoScript, startModelServer } from "./helpers/model-server.js";

// The node's secrets live in its own process environment, as an operator's would.
const DB_PASSWORD = "sekrit-db-4242";
const NODE_KEY = "sk-node-key-7777";
const model = await startModelServer(echoScript);
Object.assign(process.env, model.env, { DB_PASSWORD, OPENAI_API_KEY: NODE_KEY });

const OPERATOR = `
agents:
  - id: helper
workflows:
  ask:
    steps:
      - agent: helper
        output: { to: user }
`;

const dir = mkdtempSync(join(tmpdir(), "wfx-gw-caller-data-"));
writeFileSync(join(dir, "ask.yaml"), OPERATOR);
const node = await ExecutorNode.start({ workflowDirs: [dir], httpPort: 0, grpc: false, dataDir: join(dir, "data"), tokensText: tokensText() }, { logger: silentLogger(), auditLogger: silentLogger() });
const base = node.httpUrl!;

test.after(async () => {
  await node.close(0);
  await model.close();
  rmSync(dir, { recursive: true, force: true });
  for (const name of ["DB_PASSWORD", "OPENAI_API_KEY", ...Object.keys(model.env)]) delete process.env[name];
});

/** What the model server received (bodies: the node's own key rightly goes in its Authorization header). */
const sentToModel = () => JSON.stringify(model.requests.map((r) => r.body));
const metrics = async () => (await fetch(`${base}/metrics`, { headers: { authorization: `Bearer ${TOKENS.reader}` } })).text();

function assertNowhere(what: string, texts: Record<string, string>): void {
  for (const [where, text] of Object.entries(texts)) assert.not.ok(text.includes(what), `${what} reached ${where}`);
}

test("caller data - config_override naming ${DB_PASSWORD} is refused naming the field; the value reaches neither the model, the answer nor /metrics", async () => {
  for (const spelling of ["${DB_PASSWORD}", "${env.DB_PASSWORD}", "x-${DB_PASSWORD}", "$${DB_PASSWORD}"]) {
    const { status, body } = await post(base, "execute_workflow", { workflow_name: "ask", config_override: { agents: { helper: { model: spelling } } } }, TOKENS.runner);
    assert.is(status, 400, JSON.stringify(body));
    assert.is(body["code"], "WFX_OVERRIDE_NOT_DATA");
    assert.match(String(body["message"]), "config_override.agents.helper.model");
    assert.match(String(body["hint"]), "write the value itself");
    assertNowhere(DB_PASSWORD, { answer: JSON.stringify(body), "the model server": sentToModel(), "/metrics": await metrics() });
  }
  const checked = await post(base, "validate_workflow", { workflow_name: "ask", config_override: { agents: { helper: { model: "${DB_PASSWORD}" } } } }, TOKENS.runner);
  assert.is(checked.body["valid"], false);
  assert.equal((checked.body["problems"] as { code: string; path: string }[]).map((p) => [p.code, p.path]), [["WFX_OVERRIDE_NOT_DATA", "config_override.agents.helper.model"]]);
});

test("caller data - a literal model override still runs, and /metrics counts it as model=\"other\", never by the caller's name", async () => {
  const { status, body } = await post(base, "execute_workflow", { workflow_name: "ask", input_data: "hi", config_override: { agents: { helper: { model: "callers-own-model-31" } } } }, TOKENS.runner);
  assert.is(status, 200, JSON.stringify(body));
  assert.is(body["status"], "completed");
  assert.ok(sentToModel().includes("callers-own-model-31"), "the override is the model the endpoint was asked for");
  const text = await metrics();
  assert.not.ok(text.includes("callers-own-model-31"), "a caller's model is no label");
  assert.match(text, /wfx_model_calls_total\{model="other",workflow="ask"\} \d+/);
});

const executorWorkflow = (name: string, params: unknown) => ({
  tools: [{ id: "executor", type: "mcpworkflow_executor" }],
  workflows: { [name]: { steps: [{ id: "call", tool: "executor", args: { method: "execute_workflow", params }, output: { to: "user" } }] } },
});

test("caller data - an inline workflow's mcpworkflow_executor cannot pass ${OPENAI_API_KEY} in an override, spelt $${…} or through ${input.o}", async () => {
  const variants = [
    { workflow_config: executorWorkflow("leak_escaped", { workflow_name: "ask", input_data: "x", config_override: { agents: { helper: { model: "$${OPENAI_API_KEY}" } } } }) },
    { workflow_config: executorWorkflow("leak_input", { workflow_name: "ask", input_data: "x", config_override: "${input.o}" }), input_data: { o: { agents: { helper: { model: "${OPENAI_API_KEY}" } } } } },
  ];
  for (const request of variants) {
    const { status, body } = await post(base, "execute_workflow", request, TOKENS.runner);
    assert.is(status, 200, JSON.stringify(body));
    const answer = JSON.stringify(body);
    assert.ok(answer.includes("WFX_OVERRIDE_NOT_DATA"), answer);
    assert.ok(answer.includes("config_override.agents.helper.model"), answer);
    assertNowhere(NODE_KEY, { answer, "the model server": sentToModel(), "/metrics": await metrics() });
  }
});

test("caller data - nested three deep (inline -> inline -> the operator's workflow), the override is still refused", async () => {
  // `$${` so the outer level hands the inner one its reference, not its own input.
  const inner = executorWorkflow("inner", { workflow_name: "ask", input_data: "x", config_override: "$${input.o}" });
  const outer = executorWorkflow("outer_secret_name", { workflow_config: inner, input_data: "${input}" });
  const { status, body } = await post(base, "execute_workflow", { workflow_config: outer, input_data: { o: { agents: { helper: { model: "${OPENAI_API_KEY}" } } } } }, TOKENS.runner);
  assert.is(status, 200, JSON.stringify(body));
  const answer = JSON.stringify(body);
  assert.ok(answer.includes("WFX_OVERRIDE_NOT_DATA"), answer);
  const text = await metrics();
  assertNowhere(NODE_KEY, { answer, "the model server": sentToModel(), "/metrics": text });
  assert.not.ok(text.includes("outer_secret_name"), "an inline workflow's name is no label");
});

test.run();
