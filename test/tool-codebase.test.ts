import { test } from "uvu";
import * as assert from "uvu/assert";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
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

test.run();
