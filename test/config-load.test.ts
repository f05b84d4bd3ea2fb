import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "uvu";
import * as assert from "uvu/assert";
import { loadWorkflowFile, parseWorkflowYaml, resolveLoadOptions } from "../src/config/index.js";

const VALID = "workflows:\n  main:\n    steps:\n      - tool: filesystem\n        args: { op: list, path: . }\n";

function billionLaughs(levels: number): string {
  let text = 'a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]\n';
  let previous = "a";
  for (const name of "bcdefghijk".slice(0, levels)) {
    text += `${name}: &${name} [${Array(9).fill(`*${previous}`).join(",")}]\n`;
    previous = name;
  }
  return text;
}

test("load - a valid file parses to a typed file with defaults filled", () => {
  const result = parseWorkflowYaml(VALID, "valid.yaml");
  assert.equal(result.problems, []);
  assert.ok(result.file);
  assert.is(result.file!.workflows["main"]!.steps[0]!.tool, "filesystem");
  assert.ok(result.source.doc, "keeps the YAML document for positions");
  assert.is(result.source.path, "valid.yaml");
});

test("load - malformed YAML is reported with line and column", () => {
  const result = parseWorkflowYaml("workflows:\n  main:\n    steps: [\n      - tool: x\n", "bad.yaml");
  assert.is(result.file, undefined);
  const problem = result.problems[0]!;
  assert.is(problem.code, "WFX_YAML_SYNTAX");
  assert.is(problem.line, 4);
  assert.is(problem.column, 7);
  assert.ok(problem.hint.length > 0);
});

test("load - a duplicate key is a YAML error at the repeat", () => {
  const result = parseWorkflowYaml("workflows: {}\nagents: []\nworkflows: {}\n", "dup.yaml");
  const problem = result.problems[0]!;
  assert.is(problem.code, "WFX_YAML_SYNTAX");
  assert.is(problem.line, 3);
  assert.match(problem.hint, /once per mapping/);
});

test("load - a billion-laughs alias bomb is refused, not expanded", () => {
  const result = parseWorkflowYaml(billionLaughs(9), "lol.yaml");
  assert.is(result.problems[0]?.code, "WFX_YAML_ALIAS_LIMIT");
  assert.match(result.problems[0]!.hint, /aliases/);
  assert.not.ok("data" in result, "the expansion was never built");
});

test("load - a few aliases within the cap are fine", () => {
  const text = "defaults: &retry { max: 2 }\nworkflows:\n  main:\n    steps:\n      - tool: http\n        retry: *retry\n";
  const result = parseWorkflowYaml(text, "alias.yaml");
  assert.is(result.problems.some((p) => p.code === "WFX_YAML_ALIAS_LIMIT"), false);
  assert.is(result.problems[0]?.code, "WFX_UNKNOWN_KEY", "defaults is not a workflow-file key");
});

test("load - deep flow nesting is refused before parsing", () => {
  const depth = 400_000;
  const result = parseWorkflowYaml(`workflows: ${"[".repeat(depth)}${"]".repeat(depth)}\n`, "deep.yaml");
  assert.is(result.problems[0]?.code, "WFX_YAML_TOO_DEEP");
  assert.is(result.problems[0]!.line, 1);
});

test("load - deep block nesting and compact sequences are refused", () => {
  let block = "";
  for (let i = 0; i < 80; i++) block += `${" ".repeat(i * 2)}k${i}:\n`;
  assert.is(parseWorkflowYaml(block, "block.yaml").problems[0]?.code, "WFX_YAML_TOO_DEEP");
  assert.is(parseWorkflowYaml(`a: \n  ${"- ".repeat(100)}x\n`, "seq.yaml").problems[0]?.code, "WFX_YAML_TOO_DEEP");
  const ok = parseWorkflowYaml(`a: ${"[".repeat(20)}${"]".repeat(20)}\nworkflows: {}\n`, "ok.yaml");
  assert.is(ok.problems.some((p) => p.code === "WFX_YAML_TOO_DEEP"), false);
});

test("load - brackets inside strings and block scalars do not count as nesting", () => {
  const text = `workflows:\n  main:\n    description: "${"[".repeat(200)}"\n    steps:\n      - tool: http\n        input: |\n          ${"{".repeat(200)}\n`;
  assert.equal(parseWorkflowYaml(text, "strings.yaml").problems, []);
});

test("load - oversize text and files are refused without parsing", async () => {
  const text = `# ${"x".repeat(2000)}\n${VALID}`;
  assert.is(parseWorkflowYaml(text, "big.yaml", { maxBytes: 1000 }).problems[0]?.code, "WFX_FILE_TOO_LARGE");
  const dir = mkdtempSync(join(tmpdir(), "wfx-config-load-"));
  try {
    const path = join(dir, "big.yaml");
    writeFileSync(path, `${"#".repeat(1024 * 1024 + 1)}\n`);
    const result = await loadWorkflowFile(path);
    assert.is(result.problems[0]?.code, "WFX_FILE_TOO_LARGE");
    assert.match(result.problems[0]!.message, /1048576-byte limit/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test("load - a missing file, a directory and an empty file are problems, not exceptions", async () => {
  const dir = mkdtempSync(join(tmpdir(), "wfx-config-load-"));
  try {
    const missing = await loadWorkflowFile(join(dir, "nope.yaml"));
    assert.is(missing.problems[0]?.code, "WFX_FILE_NOT_FOUND");
    assert.match(missing.problems[0]!.hint, /check the path/);
    mkdirSync(join(dir, "folder.yaml"));
    assert.is((await loadWorkflowFile(join(dir, "folder.yaml"))).problems[0]?.code, "WFX_FILE_UNREADABLE");
    writeFileSync(join(dir, "empty.yaml"), "# nothing here\n");
    const empty = await loadWorkflowFile(join(dir, "empty.yaml"));
    assert.is(empty.problems[0]?.code, "WFX_EMPTY_FILE");
    writeFileSync(join(dir, "ok.yaml"), `\ufeff${VALID}`);
    const ok = await loadWorkflowFile(join(dir, "ok.yaml"));
    assert.equal(ok.problems, []);
    assert.is(ok.source.baseDir, dir);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test("load - options are validated and frozen", () => {
  const options = resolveLoadOptions({ maxDepth: 10 });
  assert.is(options.maxDepth, 10);
  assert.is(options.maxBytes, 1024 * 1024);
  assert.is(options.maxAliasCount, 100);
  assert.ok(Object.isFrozen(options));
  assert.throws(() => resolveLoadOptions({ maxBytes: 0 }), /maxBytes/);
});

test.run();
