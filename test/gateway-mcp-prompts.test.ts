import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "uvu";
import * as assert from "uvu/assert";
import { FIXTURES } from "./helpers/engine-fixture.js";
import { startGateServer } from "./helpers/gate-server.js";
import { GATEWAY_WORKFLOWS, post, startTestNode, tokensText } from "./helpers/gateway-node.js";
import { connectHost, type McpHost } from "./helpers/mcp-host.js";
import { GENERATIONS } from "./helpers/mcp-generations.js";
import { TENANT_ENTRIES, TENANT_TOKENS } from "./helpers/tenant-node.js";

// The source document's six assistants as MCP prompts and executions as subscribable resources, through the official
// client of each SDK generation and both protocol eras; always as the caller (tenants never see each other's work).

const gate = await startGateServer();
const LIMITED = "limited-to-one-token-0123456789";
const t = await startTestNode({ tokensText: tokensText([...TENANT_ENTRIES, { id: "limited", token: LIMITED, scopes: ["execute", "read"], workflows: ["one_*"] }]), host: "127.0.0.1", workflowDirs: [GATEWAY_WORKFLOWS, join(FIXTURES, "dashboard")] });
const mcpUrl = t.node.mcpUrl!;
const stdioData = mkdtempSync(join(tmpdir(), "wfx-mcp-prompts-"));

test.after(async () => {
  await t.close();
  await gate.close();
  rmSync(stdioData, { recursive: true, force: true });
});

const ASSISTANTS = ["workflow_orchestrator", "workflow_generator", "execution_monitor", "workflow_advisor", "workflow_troubleshooter", "integration_specialist"];

async function run(workflow: string, input: unknown, token: string, mode = "sync"): Promise<Record<string, unknown>> {
  const answer = await post(t.node.httpUrl!, "execute_workflow", { workflow_name: workflow, input_data: input, execution_mode: mode }, token);
  assert.is(answer.status, 200, JSON.stringify(answer.body));
  return answer.body;
}

const failed = String((await run("failing", null, TENANT_TOKENS.a1))["execution_id"]);
const echoed = String((await run("one_step", { hello: "world" }, TENANT_TOKENS.a1))["execution_id"]);
await run("three_steps", { value: 1 }, TENANT_TOKENS.a1);
const timedOut = String((await post(t.node.httpUrl!, "execute_workflow", { workflow_name: "slow", input_data: { ms: 60_000 }, timeout: 0.2 }, TENANT_TOKENS.a1)).body["execution_id"]);
const othersFailure = String((await run("failing", null, TENANT_TOKENS.b))["execution_id"]);

/** Each assistant's arguments, and what its text must carry from the live node. */
const CASES: { name: string; args: Record<string, string>; carries: (string | RegExp)[] }[] = [
  { name: "workflow_orchestrator", args: { description: "echo a greeting", workflow_name: "one_step" }, carries: ["echo a greeting", "- three_steps (3 steps)", "function: ./steps.js#echo"] },
  { name: "workflow_generator", args: { description: "summarise every file in a folder" }, carries: ["summarise every file in a folder", "Nodes you may place work on", "one_step"] },
  { name: "execution_monitor", args: { execution_id: echoed }, carries: [echoed, ": completed.", "execution.completed", "- echo: completed"] },
  { name: "workflow_advisor", args: { workflow_name: "three_steps", description: "make it faster" }, carries: ["make it faster", "function: ./steps.js#double", `Its recent executions`] },
  { name: "workflow_troubleshooter", args: { execution_id: failed }, carries: ["What went wrong", "WFX_STEP_ERROR: step 'boom' failed: boom on purpose", "step.failed boom", "- boom: failed"] },
  { name: "workflow_troubleshooter", args: { execution_id: timedOut, description: "it hangs" }, carries: ["it hangs", "The execution ended with WFX_EXECUTION_TIMEOUT", /\n {4}hint: \S/] },
  { name: "integration_specialist", args: { description: "post results to our ticketing API" }, carries: ["post results to our ticketing API", "mcpremote"] },
];

/** Subscribes to the execution (waiting at its gates), opens them, and sees it running, then completed, through the updates. */
async function followsToTheEnd(host: McpHost, id: string, gates: string): Promise<void> {
  const uri = `wfx://executions/${id}`;
  const statuses: string[] = [];
  let seen: (status: string) => void = () => {};
  const subscription = await host.subscribe(uri, (updated) => {
    if (updated !== uri) return;
    void host.readResource(uri).then((r) => {
      const status = String((JSON.parse(r.text) as { status: string }).status);
      statuses.push(status);
      seen(status);
    }, () => {});
  });
  const reaches = (wanted: string) => new Promise<void>((resolve) => {
    seen = (status) => status === wanted && resolve();
    if (statuses.includes(wanted)) resolve();
  });
  const running = reaches("running");
  gate.open(`${gates}/prepare`);
  await running;
  const completed = reaches("completed");
  for (const step of ["review", "summarise"]) gate.open(`${gates}/${step}`);
  await completed;
  assert.ok(statuses.indexOf("running") < statuses.indexOf("completed"));
  await subscription.close();
}

test("mcp prompts - a case for every assistant", () => {
  assert.equal([...new Set(CASES.map((c) => c.name))], ASSISTANTS);
});

for (const generation of GENERATIONS) {
  test(`mcp prompts - ${generation}: prompts/list offers the six assistants with their arguments`, async () => {
    const host = await connectHost(generation, mcpUrl, TENANT_TOKENS.a1);
    const prompts = await host.listPrompts();
    assert.equal(prompts.map((p) => p.name), ASSISTANTS);
    const troubleshooter = prompts.find((p) => p.name === "workflow_troubleshooter")!;
    assert.equal(troubleshooter.title, "Workflow Troubleshooter");
    assert.equal(troubleshooter.arguments?.map((a) => [a.name, a.required ?? false]), [["execution_id", true], ["description", false]]);
    await host.close();
  });

  test(`mcp prompts - ${generation}: prompts/get of each assistant draws on the live node`, async () => {
    const host = await connectHost(generation, mcpUrl, TENANT_TOKENS.a2);
    for (const c of CASES) {
      const text = await host.getPrompt(c.name, c.args);
      for (const part of c.carries) {
        if (typeof part === "string") assert.ok(text.includes(part), `${c.name} carries '${part}':\n${text}`);
        else assert.match(text, part, `${c.name}:\n${text}`);
      }
    }
    await host.close();
  });

  test(`mcp prompts - ${generation}: another tenant's execution is unknown to prompts and resources`, async () => {
    const host = await connectHost(generation, mcpUrl, TENANT_TOKENS.a1);
    for (const name of ["workflow_troubleshooter", "execution_monitor"]) {
      const refused = await host.getPrompt(name, { execution_id: othersFailure }).then(() => undefined, (e: Error) => e.message);
      assert.match(String(refused), "WFX_EXECUTION_NOT_FOUND", name);
    }
    const read = await host.readResource(`wfx://executions/${othersFailure}`).then(() => undefined, (e: Error) => e.message);
    assert.match(String(read), "WFX_EXECUTION_NOT_FOUND");
    const listed = await host.listResources();
    assert.ok(listed.includes(`wfx://executions/${failed}`));
    assert.not.ok(listed.some((uri) => uri.includes(othersFailure)), "another tenant's execution is not listed");
    const subscribed = await host.subscribe(`wfx://executions/${othersFailure}`, () => {}).then(() => undefined, (e: Error) => e.message);
    assert.match(String(subscribed), "WFX_EXECUTION_NOT_FOUND");
    await host.close();
  });

  test(`mcp resources - ${generation}: a workflow's YAML and an execution's record`, async () => {
    const host = await connectHost(generation, mcpUrl, TENANT_TOKENS.a1);
    assert.equal((await host.listResourceTemplates()).sort(), ["wfx://executions/{id}", "wfx://workflows/{name}"]);
    assert.ok((await host.listResources()).includes("wfx://workflows/one_step"));
    const yaml = await host.readResource("wfx://workflows/one_step");
    assert.is(yaml.mimeType, "application/yaml");
    assert.match(yaml.text, "one_step:");
    const record = JSON.parse((await host.readResource(`wfx://executions/${echoed}`)).text) as Record<string, unknown>;
    assert.equal([record["status"], record["result"]], ["completed", { hello: "world" }]);
    await host.close();
    const limited = await connectHost(generation, mcpUrl, LIMITED);
    const own = (await limited.readResource("wfx://workflows/one_step")).text;
    assert.match(own, "one_step:");
    assert.not.match(own, "three_steps", "a token limited to one_* sees none of the file's other workflows");
    const other = await limited.readResource("wfx://workflows/three_steps").then(() => undefined, (e: Error) => e.message);
    assert.match(String(other), "WFX_PERMISSION_DENIED");
    assert.not.ok((await limited.listResources()).includes("wfx://workflows/three_steps"));
    await limited.close();
  });

  test(`mcp resources - ${generation} over Streamable HTTP: a subscription to an execution is told of each change until it ends`, async () => {
    const gates = generation.replace(/\W+/g, "-");
    const id = String((await run("review_items", { gate: `${gate.url}/${gates}`, items: ["a", "b"] }, TENANT_TOKENS.a1, "async"))["execution_id"]);
    const host = await connectHost(generation, mcpUrl, TENANT_TOKENS.a2);
    await followsToTheEnd(host, id, gates);
    await host.close();
  });

  test(`mcp resources - ${generation} over stdio: a subscription to an execution is told of each change until it ends`, async () => {
    const gates = `stdio-${generation.replace(/\W+/g, "-")}`;
    const host = await connectHost(generation, { stdio: ["--workflows", join(FIXTURES, "dashboard"), "--data-dir", join(stdioData, gates)] });
    const id = String((await host.callTool("execute_workflow", { workflow_name: "review_items", input_data: { gate: `${gate.url}/${gates}`, items: ["a"] }, execution_mode: "async" }))["execution_id"]);
    await followsToTheEnd(host, id, gates);
    await host.close();
  });
}

test.run();
