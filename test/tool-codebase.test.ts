import { test } from "uvu";
import * as assert from "uvu/assert";
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { defaultToolRegistry, type ToolError } from "../src/tools/index.js";

const dir = mkdtempSync(join(tmpdir(), "wfx-codebase-"));
mkdirSync(join(dir, "src"));
mkdirSync(join(dir, "node_modules", "dep"), { recursive: true });
writeFileSync(join(dir, "src", "a.ts"), "export const a = 1;\n// TODO: check input\n");
writeFileSync(join(dir, "src", "b.py"), "def b():\n    return eval(x)  # todo\n");
writeFileSync(join(dir, "node_modules", "dep", "index.js"), "// TODO in a dependency\n");
const tool = defaultToolRegistry().create({ id: "codebase_indexer", type: "codebase_indexer" }, dir);
const signal = new AbortController().signal;

test.after(() => rmSync(dir, { recursive: true, force: true }));

test("codebase - files lists source files by extension, skipping dependencies", async () => {
  const files = (await tool.call({ op: "files" }, { signal })) as { count: number; files: string[]; by_extension: Record<string, number> };
  assert.equal(files.files, ["src/a.ts", "src/b.py"]);
  assert.equal(files.by_extension, { ts: 1, py: 1 });
});

test("codebase - search finds text case-insensitively or by regex, with line numbers", async () => {
  const found = (await tool.call({ op: "search", query: "todo" }, { signal })) as { matches: { path: string; line: number; text: string }[] };
  assert.equal(found.matches.map((m) => [m.path, m.line]), [["src/a.ts", 2], ["src/b.py", 2]]);
  const regex = (await tool.call({ op: "search", query: "/eval\\(/" }, { signal })) as { matches: { text: string }[] };
  assert.equal(regex.matches.map((m) => m.text), ["return eval(x)  # todo"]);
  const outside = await tool.call({ op: "read", path: "../etc/passwd" }, { signal }).catch((e: ToolError) => e);
  assert.is((outside as ToolError).code, "WFX_FS_OUTSIDE_ROOT");
});

test("codebase - files finds the sources even when node_modules holds more files than a glob returns", async () => {
  // Ten thousand files: in memory where there is a tmpfs, as a busy disk makes creating them take seconds.
  const big = mkdtempSync(join(existsSync("/dev/shm") ? "/dev/shm" : tmpdir(), "wfx-codebase-big-"));
  try {
    // 101 folders of 100 files: past the filesystem glob's 10,000 matches, and sorted before "src".
    for (let d = 0; d < 101; d++) {
      const folder = join(big, "node_modules", `dep${d}`);
      mkdirSync(folder, { recursive: true });
      for (let f = 0; f < 100; f++) writeFileSync(join(folder, `f${f}.js`), "");
    }
    mkdirSync(join(big, "src"));
    writeFileSync(join(big, "src", "main.ts"), "export {};\n");
    const indexer = defaultToolRegistry().create({ id: "codebase_indexer", type: "codebase_indexer" }, big);
    const files = (await indexer.call({ op: "files" }, { signal })) as { count: number; files: string[]; truncated?: true };
    assert.equal(files.files, ["src/main.ts"]);
    assert.is(files.truncated, undefined);
  } finally {
    rmSync(big, { recursive: true, force: true });
  }
});

test.run();
