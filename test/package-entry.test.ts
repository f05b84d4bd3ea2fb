import { test } from "uvu";
import * as assert from "uvu/assert";
import { existsSync, readFileSync } from "node:fs";
import { fileURLToPath, pathToFileURL } from "node:url";

const ROOT = fileURLToPath(new URL("../../", import.meta.url));

test("package - package.json's main exists, and a program can validate and run a workflow with what it exports", async () => {
  const manifest = JSON.parse(readFileSync(`${ROOT}package.json`, "utf8")) as { main: string; types: string };
  assert.ok(existsSync(`${ROOT}${manifest.types}`), `${manifest.types} exists`);
  const entry = (await import(pathToFileURL(`${ROOT}${manifest.main}`).href)) as typeof import("../src/index.js");
  const { problems, file } = entry.checkWorkflowFile({ tools: [{ id: "here", type: "filesystem" }], workflows: { look: { steps: [{ tool: "here", args: { op: "list" } }] } } });
  assert.equal(problems, []);
  const runtime = new entry.Runtime({ store: new entry.MemoryExecutionStore() });
  try {
    const record = await runtime.execute({ source: { file: file! } });
    assert.is(record.status, "completed", JSON.stringify(record.error));
    assert.is(typeof entry.ExecutorNode.start, "function");
  } finally {
    await runtime.close();
  }
});

test.run();
