import { mkdir, mkdtemp, readdir, readFile, readlink, rm, symlink, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { suite } from "uvu";
import * as assert from "uvu/assert";
import { z } from "zod";
import { compileGlob, defaultToolRegistry, filesystemToolFactory, ToolRegistry, type Tool } from "../src/tools/index.js";

interface Ctx {
  base: string;
  root: string;
  outside: string;
  tool: Tool;
}

const ctx = () => ({ signal: new AbortController().signal });

async function failure(promise: Promise<unknown> | (() => unknown)): Promise<{ code: string; message: string; hint?: string }> {
  try {
    await (typeof promise === "function" ? promise() : promise);
  } catch (err) {
    return err as { code: string; message: string; hint?: string };
  }
  throw new Error("expected a failure");
}

const test = suite<Ctx>("tool - filesystem");
test.before.each(async (c) => {
  c.base = await mkdtemp(join(tmpdir(), "wfx-fs-"));
  c.root = join(c.base, "root");
  c.outside = join(c.base, "outside");
  await mkdir(join(c.root, "docs", "sub"), { recursive: true });
  await mkdir(join(c.root, "src"), { recursive: true });
  await mkdir(join(c.root, ".git"), { recursive: true });
  await mkdir(c.outside, { recursive: true });
  for (const [path, content] of Object.entries({
    "a.txt": "alpha",
    "b.md": "# b",
    ".hidden.txt": "h",
    "docs/x.md": "x",
    "docs/y.txt": "y",
    "docs/sub/z.md": "z",
    "src/c.ts": "c",
    "src/d.js": "d",
    ".git/config": "[core]",
  })) {
    await writeFile(join(c.root, path), content);
  }
  await writeFile(join(c.outside, "secret.txt"), "secret");
  c.tool = filesystemToolFactory.create({ id: "fs", settings: { root: "root" } }, c.base);
});
test.after.each(async (c) => {
  await rm(c.base, { recursive: true, force: true });
});

test("tool - filesystem read returns the content and the root-relative path", async ({ tool, root }) => {
  assert.equal(await tool.call({ op: "read", path: "a.txt" }, ctx()), { path: "a.txt", content: "alpha" });
  assert.equal(await tool.call({ op: "read", path: "./docs/../docs/sub/z.md" }, ctx()), { path: "docs/sub/z.md", content: "z" });
  assert.equal(await tool.call({ op: "read", path: join(root, "docs", "x.md") }, ctx()), { path: "docs/x.md", content: "x" }, "absolute inside the root");
  assert.is((await failure(tool.call({ op: "read", path: "missing.txt" }, ctx()))).code, "WFX_FS_NOT_FOUND");
  assert.is((await failure(tool.call({ op: "read", path: "docs" }, ctx()))).code, "WFX_FS_BAD_ARGS");
});

test("tool - filesystem write creates folders, writes atomically and returns the byte count", async ({ tool, root }) => {
  assert.equal(await tool.call({ op: "write", path: "out/deep/r\u00e9sum\u00e9.txt", content: "h\u00e9llo" }, ctx()), { path: "out/deep/r\u00e9sum\u00e9.txt", bytes: 6 });
  assert.is(await readFile(join(root, "out", "deep", "r\u00e9sum\u00e9.txt"), "utf8"), "h\u00e9llo");
  await tool.call({ op: "write", path: "a.txt", content: "" }, ctx());
  assert.is(await readFile(join(root, "a.txt"), "utf8"), "");
  assert.equal((await readdir(root)).filter((name) => name.endsWith(".tmp")), [], "no temp file left behind");
  assert.is((await failure(tool.call({ op: "write", path: "docs", content: "x" }, ctx()))).code, "WFX_FS_BAD_ARGS");
  assert.is((await failure(tool.call({ op: "write", path: "b.txt" }, ctx()))).code, "WFX_FS_BAD_ARGS");
});

test("tool - filesystem list returns sorted entries with type and size", async ({ tool, root }) => {
  await symlink(join(root, "a.txt"), join(root, "link.txt"));
  const listed = (await tool.call({ op: "list" }, ctx())) as { path: string; entries: Array<{ name: string; type: string; size: number }> };
  assert.is(listed.path, ".");
  assert.equal(listed.entries.map((e) => e.name), [".git", ".hidden.txt", "a.txt", "b.md", "docs", "link.txt", "src"]);
  assert.equal(listed.entries.find((e) => e.name === "a.txt"), { name: "a.txt", type: "file", size: 5 });
  assert.equal(listed.entries.find((e) => e.name === "docs")?.type, "dir");
  assert.equal(listed.entries.find((e) => e.name === "link.txt")?.type, "symlink");
  assert.equal(await tool.call({ op: "list", path: "docs/sub" }, ctx()), { path: "docs/sub", entries: [{ name: "z.md", type: "file", size: 1 }] });
  assert.is((await failure(tool.call({ op: "list", path: "a.txt" }, ctx()))).code, "WFX_FS_BAD_ARGS");
});

test("tool - filesystem glob matches *, **, ?, {a,b} and skips hidden names unless asked", async ({ tool }) => {
  const glob = async (pattern: string, path?: string) =>
    ((await tool.call({ op: "glob", pattern, ...(path === undefined ? {} : { path }) }, ctx())) as { matches: string[] }).matches;
  assert.equal(await glob("*.txt"), ["a.txt"]);
  assert.equal(await glob("**/*.md"), ["b.md", "docs/sub/z.md", "docs/x.md"]);
  assert.equal(await glob("docs/**"), ["docs/sub", "docs/sub/z.md", "docs/x.md", "docs/y.txt"]);
  assert.equal(await glob("?.txt"), ["a.txt"]);
  assert.equal(await glob("{src,docs}/*.{ts,txt}"), ["docs/y.txt", "src/c.ts"]);
  assert.equal(await glob(".*"), [".git", ".hidden.txt"]);
  assert.equal(await glob(".git/*"), [".git/config"]);
  assert.equal(await glob("*.md", "docs"), ["docs/x.md"], "relative to path, reported relative to the root");
  assert.equal(await glob("nothing/*"), []);
  assert.equal(await tool.call({ op: "glob", pattern: "*.txt" }, ctx()), { pattern: "*.txt", matches: ["a.txt"] });
});

test("tool - filesystem glob stops at max_matches and says so", async ({ base }) => {
  const tool = filesystemToolFactory.create({ id: "fs", settings: { root: "root", max_matches: 2 } }, base);
  assert.equal(await tool.call({ op: "glob", pattern: "**" }, ctx()), { pattern: "**", matches: ["a.txt", "b.md"], truncated: true });
});

test("tool - compileGlob handles nested braces, escapes and **", () => {
  const m = compileGlob("a/{b,c{d,e}}/**/f\\*.txt");
  assert.ok(m.matches(["a", "b", "f*.txt"]));
  assert.ok(m.matches(["a", "cd", "x", "y", "f*.txt"]));
  assert.not.ok(m.matches(["a", "ce", "fx.txt"]));
  assert.not.ok(m.matches(["a", "c", "f*.txt"]));
  assert.ok(m.couldMatchUnder(["a", "ce", "deep"]));
  assert.not.ok(m.couldMatchUnder(["b"]));
  assert.not.ok(compileGlob("**/x").couldMatchUnder([".git"]));
  assert.ok(compileGlob("literal{brace}").matches(["literal{brace}"]));
});

test("tool - filesystem refuses .. that leaves the root", async ({ tool }) => {
  for (const args of [
    { op: "read", path: "../outside/secret.txt" },
    { op: "read", path: "docs/../../outside/secret.txt" },
    { op: "write", path: "../escape.txt", content: "x" },
    { op: "list", path: ".." },
    { op: "glob", pattern: "../*" },
    { op: "glob", pattern: "{docs,..}/*" },
  ] as const) {
    const err = await failure(tool.call(args, ctx()));
    assert.is(err.code, "WFX_FS_OUTSIDE_ROOT", JSON.stringify(args));
    assert.ok(err.hint);
  }
});

test("tool - filesystem refuses absolute paths outside the root", async ({ tool, outside }) => {
  assert.is((await failure(tool.call({ op: "read", path: join(outside, "secret.txt") }, ctx()))).code, "WFX_FS_OUTSIDE_ROOT");
  assert.is((await failure(tool.call({ op: "write", path: join(outside, "new.txt"), content: "x" }, ctx()))).code, "WFX_FS_OUTSIDE_ROOT");
  assert.is((await failure(tool.call({ op: "list", path: "/" }, ctx()))).code, "WFX_FS_OUTSIDE_ROOT");
  assert.is((await failure(tool.call({ op: "glob", pattern: "/etc/*" }, ctx()))).code, "WFX_FS_OUTSIDE_ROOT");
});

test("tool - filesystem refuses symlinks that lead outside the root, for read and write", async ({ tool, root, outside }) => {
  await symlink(join(outside, "secret.txt"), join(root, "leak.txt"));
  await symlink(outside, join(root, "outdir"));
  await symlink(join(outside, "not-yet.txt"), join(root, "dangling.txt"));
  for (const args of [
    { op: "read", path: "leak.txt" },
    { op: "read", path: "outdir/secret.txt" },
    { op: "write", path: "leak.txt", content: "pwned" },
    { op: "write", path: "outdir/new.txt", content: "pwned" },
    { op: "write", path: "outdir/deeper/new.txt", content: "pwned" },
    { op: "write", path: "dangling.txt", content: "pwned" },
    { op: "list", path: "outdir" },
  ] as const) {
    assert.is((await failure(tool.call(args, ctx()))).code, "WFX_FS_OUTSIDE_ROOT", JSON.stringify(args));
  }
  assert.is(await readFile(join(outside, "secret.txt"), "utf8"), "secret");
  assert.equal((await readdir(outside)).sort(), ["secret.txt"]);
});

test("tool - filesystem follows symlinks that stay inside the root", async ({ tool, root }) => {
  await symlink(join(root, "docs"), join(root, "docs-link"));
  await symlink("a.txt", join(root, "a-link.txt"));
  assert.equal(await tool.call({ op: "read", path: "docs-link/x.md" }, ctx()), { path: "docs-link/x.md", content: "x" });
  await tool.call({ op: "write", path: "a-link.txt", content: "through the link" }, ctx());
  assert.is(await readFile(join(root, "a.txt"), "utf8"), "through the link");
  assert.is(await readlink(join(root, "a-link.txt")), "a.txt", "the link itself is kept");
});

test("tool - filesystem refuses files larger than max_bytes", async ({ base, root }) => {
  const tool = filesystemToolFactory.create({ id: "fs", settings: { root: "root", max_bytes: 10 } }, base);
  await writeFile(join(root, "big.txt"), "x".repeat(11));
  await writeFile(join(root, "ok.txt"), "x".repeat(10));
  const err = await failure(tool.call({ op: "read", path: "big.txt" }, ctx()));
  assert.is(err.code, "WFX_FS_TOO_LARGE");
  assert.match(err.message, /11 bytes/);
  assert.match(err.hint ?? "", /max_bytes/);
  assert.is(((await tool.call({ op: "read", path: "ok.txt" }, ctx())) as { content: string }).content.length, 10);
});

test("tool - filesystem honours an aborted signal and writes nothing", async ({ tool, root }) => {
  const controller = new AbortController();
  controller.abort(new Error("step cancelled"));
  for (const args of [
    { op: "read", path: "a.txt" },
    { op: "write", path: "new.txt", content: "x" },
    { op: "list" },
    { op: "glob", pattern: "**" },
  ] as const) {
    assert.is((await failure(tool.call(args, { signal: controller.signal }))).code, "WFX_CANCELLED", args.op);
  }
  assert.not.ok((await readdir(root)).includes("new.txt"));
});

test("tool - filesystem validates its arguments and settings", async ({ tool, base }) => {
  assert.is((await failure(tool.call({ op: "delete" } as never, ctx()))).code, "WFX_FS_BAD_ARGS");
  assert.is((await failure(tool.call({ op: "read" }, ctx()))).code, "WFX_FS_BAD_ARGS");
  assert.is((await failure(tool.call({ op: "glob" }, ctx()))).code, "WFX_FS_BAD_ARGS");
  assert.is((await failure(tool.call({ op: "read", path: "a.txt", extra: 1 } as never, ctx()))).code, "WFX_FS_BAD_ARGS");
  assert.is((await failure(() => filesystemToolFactory.create({ id: "fs", settings: { rooot: "x" } }, base))).code, "WFX_TOOL_BAD_SETTINGS");
  const missingRoot = filesystemToolFactory.create({ id: "fs", settings: { root: "nope" } }, base);
  assert.is((await failure(missingRoot.call({ op: "list" }, ctx()))).code, "WFX_FS_NOT_FOUND");
  const schema = z.toJSONSchema(tool.inputSchema) as { properties: Record<string, unknown>; required: string[] };
  assert.equal(Object.keys(schema.properties).sort(), ["content", "op", "path", "pattern"]);
  assert.equal(schema.required, ["op"]);
});

test("tool - filesystem root defaults to the workflow's folder", async ({ base }) => {
  const tool = filesystemToolFactory.create({ id: "fs" }, join(base, "root"));
  assert.equal(await tool.call({ op: "read", path: "a.txt" }, ctx()), { path: "a.txt", content: "alpha" });
  assert.is((await failure(tool.call({ op: "read", path: "../outside/secret.txt" }, ctx()))).code, "WFX_FS_OUTSIDE_ROOT");
});

test.run();

const registry = suite("tool - registry");

registry("tool - registry builds known types and lists them when a type is unknown", async () => {
  const tools = defaultToolRegistry();
  assert.ok(tools.has("filesystem"));
  assert.equal(tools.types(), ["codebase_indexer", "filesystem", "http", "mcpremote", "mcpworkflow_executor"]);
  const tool = tools.create({ id: "files", type: "filesystem", description: "docs" }, tmpdir());
  assert.is(tool.type, "filesystem");
  assert.is(tool.id, "files");
  assert.is(tool.description, "docs");
  const err = await failure(() => tools.create({ id: "x", type: "ftp" }, tmpdir()));
  assert.is(err.code, "WFX_UNKNOWN_TOOL_TYPE");
  assert.match(err.message, /'ftp'/);
  assert.match(err.message, /filesystem/);
  assert.match(err.hint ?? "", /filesystem/);
});

registry("tool - registry refuses a type registered twice", async () => {
  const tools = new ToolRegistry().register(filesystemToolFactory);
  assert.is((await failure(() => tools.register(filesystemToolFactory))).code, "WFX_DUPLICATE_TOOL_TYPE");
});

registry.run();
