import { test } from "uvu";
import * as assert from "uvu/assert";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { McpServer } from "@modelcontextprotocol/server";
import { NodeStreamableHTTPServerTransport } from "@modelcontextprotocol/node";
import { z } from "zod";
import { parseWorkflowYaml, validateWorkflowFile } from "../src/config/index.js";
import { MemoryExecutionStore, Runtime } from "../src/engine/index.js";
import { defaultToolRegistry, type ToolError } from "../src/tools/index.js";

const FS_SERVER = fileURLToPath(new URL("../../node_modules/@modelcontextprotocol/server-filesystem/dist/index.js", import.meta.url));
const dir = mkdtempSync(join(tmpdir(), "wfx-mcp-"));
writeFileSync(join(dir, "report.txt"), "quarterly numbers: 42");

// A Streamable HTTP MCP server in this process: stateless, one server and transport per request.
const authorizations: (string | undefined)[] = [];
const http = createServer(async (req, res) => {
  authorizations.push(req.headers.authorization);
  const server = new McpServer({ name: "test-http", version: "1.0.0" });
  server.registerTool("add", { description: "adds", inputSchema: z.object({ a: z.number(), b: z.number() }) }, async ({ a, b }) => ({ content: [{ type: "text", text: JSON.stringify({ sum: a + b }) }] }));
  server.registerTool("fail", { description: "always fails", inputSchema: z.object({}) }, async () => ({ isError: true, content: [{ type: "text", text: "nope, by design" }] }));
  const transport = new NodeStreamableHTTPServerTransport({ sessionIdGenerator: undefined });
  res.on("close", () => void transport.close());
  await server.connect(transport);
  await transport.handleRequest(req, res);
});
await new Promise<void>((r) => http.listen(0, "127.0.0.1", r));
const MCP_URL = `http://127.0.0.1:${(http.address() as AddressInfo).port}/mcp`;
const signal = new AbortController().signal;
const runtime = new Runtime({ store: new MemoryExecutionStore(), nodeId: "mcp-test", env: { FILES_DIR: dir, MCP_TOKEN: "t0ken" } });

test.after(async () => {
  await runtime.close();
  http.closeAllConnections();
  await new Promise<void>((r) => http.close(() => r()));
  rmSync(dir, { recursive: true, force: true });
});

test("mcpremote - a workflow's tool steps call the reference filesystem MCP server, started over stdio", async () => {
  const text = `
tools:
  - id: files
    type: mcpremote
    command: node
    args: ["${FS_SERVER}", "${dir}"]
    timeout: 30
workflows:
  main:
    steps:
      - id: tools
        tool: files
        args: { method: tools/list }
      - id: read
        tool: files
        args: { method: read_text_file, params: { path: "\${env.FILES_DIR}/report.txt" } }
        output: { to: user }
`;
  const parsed = parseWorkflowYaml(text, "mcp.yaml");
  assert.equal(validateWorkflowFile(parsed.data, parsed.source), []);
  const record = await runtime.execute({ source: { file: parsed.file! }, workflowName: "main" });
  assert.is(record.status, "completed", JSON.stringify(record.error));
  assert.equal(record.result, { content: "quarterly numbers: 42" });
  const listed = record.steps[0]!.output as { tools: { name: string }[] };
  assert.ok(listed.tools.some((t) => t.name === "read_text_file"));
});

test("mcpremote - a remote tool's own error is WFX_MCP_TOOL_ERROR and is not retried", async () => {
  const tool = defaultToolRegistry().create({ id: "files", type: "mcpremote", command: "node", args: [FS_SERVER, dir], retry_count: 3 }, dir, { env: {} });
  const error = await tool.call({ method: "read_text_file", params: { path: "/etc/hostname" } }, { signal }).catch((e: ToolError) => e);
  assert.is((error as ToolError).code, "WFX_MCP_TOOL_ERROR");
  assert.match((error as ToolError).message, /outside allowed directories/);
});

test("mcpremote - Streamable HTTP with headers whose secrets come from the environment", async () => {
  const tool = defaultToolRegistry().create({ id: "remote", type: "mcpremote", mcp_url: MCP_URL, headers: { Authorization: "Bearer ${MCP_TOKEN}" } }, dir, { env: { MCP_TOKEN: "t0ken" } });
  assert.equal(await tool.call({ method: "add", params: { a: 2, b: 40 } }, { signal }), { sum: 42 });
  assert.ok(authorizations.length > 0 && authorizations.every((a) => a === "Bearer t0ken"));
  const failed = await tool.call({ method: "fail" }, { signal }).catch((e: ToolError) => e);
  assert.is((failed as ToolError).code, "WFX_MCP_TOOL_ERROR");
  const unset = await defaultToolRegistry().create({ id: "r", type: "mcpremote", mcp_url: MCP_URL, headers: { Authorization: "Bearer ${env.NOT_SET}" } }, dir, { env: {} }).call({ method: "add" }, { signal }).catch((e: ToolError) => e);
  assert.is((unset as ToolError).code, "WFX_TOOL_SECRET_MISSING");
});

test("mcpremote - an unreachable server is retried retry_count times, then WFX_MCP_UNREACHABLE", async () => {
  const tool = defaultToolRegistry().create({ id: "gone", type: "mcpremote", mcp_url: "http://127.0.0.1:9/mcp", retry_count: 1, timeout: 5 }, dir);
  const started = Date.now();
  const error = await tool.call({ method: "add" }, { signal }).catch((e: ToolError) => e);
  assert.is((error as ToolError).code, "WFX_MCP_UNREACHABLE");
  assert.ok((error as ToolError).retryable);
  assert.ok(Date.now() - started >= 200, "waited before the retry");
});

test.run();
