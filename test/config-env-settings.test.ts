import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "uvu";
import * as assert from "uvu/assert";
import { checkWorkflowFile, defaultCallerPolicy, parseWorkflowYaml, type WorkflowFile } from "../src/config/index.js";
import { MemoryExecutionStore, Runtime } from "../src/engine/index.js";
import { defaultToolRegistry } from "../src/tools/index.js";
import { wfx } from "./helpers/cli.js";

// `${env.NAME}` / `${NAME}` in an operator's tool settings and agent endpoints come from the runtime's environment;
// workflows callers send never read it.

const dir = mkdtempSync(join(tmpdir(), "wfx-env-settings-"));
const dataRoot = join(dir, "data");
mkdirSync(join(dataRoot, "sub"), { recursive: true });
writeFileSync(join(dataRoot, "sub", "hello.txt"), "hi");
const dataDir = join(dir, "store");

test.after(() => rmSync(dir, { recursive: true, force: true }));

const YAML = `tools:
  - id: data
    type: filesystem
    settings: { root: "\${env.DATA_ROOT}" }
  - id: sub
    type: filesystem
    settings: { root: "\${DATA_ROOT}/sub" }
agents:
  - id: helper
    api_key: "\${HELPER_KEY}"
    description: "prose is never filled in: \${NOT_CHECKED}"
workflows:
  main:
    steps:
      - id: top
        tool: data
        args: { op: list }
      - id: below
        tool: sub
        args: { op: list }
        output: { to: user }
`;
const file = join(dir, "env.yaml");
writeFileSync(file, YAML);
const parsed = (): WorkflowFile => parseWorkflowYaml(YAML, "env.yaml").file!;

test("env settings - validation with an environment names every unset variable at its YAML path", () => {
  const { problems } = checkWorkflowFile(parseWorkflowYaml(YAML, "env.yaml").data, undefined, { env: {} });
  assert.equal(problems.map((p) => [p.code, p.path, p.message.includes(p.path.startsWith("agents") ? "HELPER_KEY" : "DATA_ROOT")]), [
    ["WFX_ENV_UNSET", "tools[0].settings.root", true],
    ["WFX_ENV_UNSET", "tools[1].settings.root", true],
    ["WFX_ENV_UNSET", "agents[0].api_key", true],
  ]);
  assert.equal(checkWorkflowFile(parseWorkflowYaml(YAML, "env.yaml").data, undefined, { env: { DATA_ROOT: dataRoot, HELPER_KEY: "k" } }).problems, []);
  assert.equal(checkWorkflowFile(parseWorkflowYaml(YAML, "env.yaml").data).problems, [], "without an environment nothing is checked (listing, another machine)");
});

test("env settings - an operator's tool settings are filled in from the runtime's environment, both spellings", async () => {
  const runtime = new Runtime({ store: new MemoryExecutionStore(), nodeId: "test-node", env: { DATA_ROOT: dataRoot } });
  try {
    const record = await runtime.execute({ source: { file: parsed(), path: file }, workflowName: "main" });
    assert.is(record.status, "completed", JSON.stringify(record.error));
    assert.equal((record.result as { entries: { name: string }[] }).entries.map((e) => e.name), ["hello.txt"]);
    assert.equal((record.steps[0]!.output as { entries: { name: string }[] }).entries.map((e) => e.name), ["sub"]);
  } finally {
    await runtime.close();
  }
});

test("env settings - an unset variable fails the step naming the setting, never a path with a hole in it", async () => {
  const runtime = new Runtime({ store: new MemoryExecutionStore(), nodeId: "test-node", env: {} });
  try {
    const record = await runtime.execute({ source: { file: parsed(), path: file }, workflowName: "main" });
    assert.equal([record.status, record.error?.code], ["failed", "WFX_TOOL_SECRET_MISSING"]);
    assert.match(record.error!.message, "settings.root of tool 'data' needs DATA_ROOT");
  } finally {
    await runtime.close();
  }
});

test("env settings - a caller's workflow still cannot read the node's environment", async () => {
  const runtime = new Runtime({ store: new MemoryExecutionStore(), nodeId: "test-node", env: { DATA_ROOT: dataRoot } });
  const sandbox = mkdtempSync(join(dir, "sandbox-"));
  try {
    const sent = { file: parsed(), path: join(sandbox, "sent.yaml"), origin: "caller" as const };
    const refused = await runtime.execute({ source: sent, workflowName: "main" }).then(
      () => undefined,
      (error: { code?: string; message: string }) => error,
    );
    assert.is(refused?.code, "WFX_CALLER_POLICY_DENIED");
    assert.match(refused!.message, "tools[0].settings.root: would be filled in from the node's environment");
    // Below the policy too: a tool built for a caller is never filled in, whatever env it is handed.
    const policy = { ...defaultCallerPolicy(), tool_types: ["filesystem"] };
    const tool = defaultToolRegistry().create({ id: "data", type: "filesystem", settings: { root: "${env.DATA_ROOT}" } }, sandbox, { env: { DATA_ROOT: dataRoot }, caller: policy });
    const listed = await tool.call({ op: "list" }, { signal: new AbortController().signal }).catch((error: Error) => error);
    assert.instance(listed, Error);
    assert.match((listed as Error).message, "${env.DATA_ROOT}");
  } finally {
    await runtime.close();
  }
});

test("env settings - wfx validate names the unset variable with its path; set, the file is valid and wfx run fills it in", async () => {
  const unset = await wfx(["validate", file], { dataDir });
  assert.is(unset.code, 2, unset.stderr);
  assert.match(unset.stderr, /env\.yaml:4:\d+ error WFX_ENV_UNSET tools\[0\]\.settings\.root: names the variable DATA_ROOT, which is not set/);
  assert.match(unset.stderr, "agents[0].api_key: names the variable HELPER_KEY");
  const set = await wfx(["validate", file], { dataDir, env: { DATA_ROOT: dataRoot, HELPER_KEY: "k" } });
  assert.equal([set.code, set.stdout.trim()], [0, `${file}: valid (1 workflow: main)`]);
  const run = await wfx(["run", file, "--json"], { dataDir, env: { DATA_ROOT: dataRoot, HELPER_KEY: "k" } });
  assert.is(run.code, 0, run.stderr);
  assert.match(JSON.parse(run.stdout.trim().split("\n").at(-1)!).record.result.entries[0].name, "hello.txt");
});

test.run();
