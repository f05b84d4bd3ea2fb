import { test } from "uvu";
import * as assert from "uvu/assert";
import { createServer, type IncomingMessage } from "node:http";
import type { AddressInfo } from "node:net";
import { BUILTIN_TOOL_TYPES } from "../src/config/index.js";
import { defaultToolRegistry, hostAllowed, ToolError, type Tool } from "../src/tools/index.js";

const seen: { method: string; url: string; headers: IncomingMessage["headers"]; body: string }[] = [];
const server = createServer((req, res) => {
  let body = "";
  req.on("data", (d) => (body += d));
  req.on("end", () => {
    seen.push({ method: req.method!, url: req.url!, headers: req.headers, body });
    if (req.url === "/big") return res.writeHead(200, { "content-type": "text/plain" }).end("x".repeat(5000));
    if (req.url === "/hop") return res.writeHead(302, { location: "http://elsewhere.invalid/" }).end();
    if (req.url === "/broken") return res.writeHead(503).end("down");
    res.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify({ method: req.method, url: req.url, body: body === "" ? null : JSON.parse(body) }));
  });
});
await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
const host = `127.0.0.1:${(server.address() as AddressInfo).port}`;
const registry = defaultToolRegistry();
const signal = new AbortController().signal;

function http(settings: Record<string, unknown>, extra: Record<string, unknown> = {}): Tool {
  return registry.create({ id: "web", type: "http", settings, ...extra }, process.cwd(), { env: { API_TOKEN: "s3cret" } });
}

test.after(() => new Promise<void>((r) => server.close(() => r())));

test("http - GET and POST to an allowed host, JSON parsed, secrets in headers", async () => {
  const tool = http({ base_url: `http://${host}/api` }, { headers: { Authorization: "Bearer ${API_TOKEN}" } });
  const got = (await tool.call({ method: "GET", url: "items", query: { page: 2 } }, { signal })) as { status: number; body: { url: string } };
  assert.is(got.status, 200);
  assert.is(got.body.url, "/api/items?page=2");
  assert.is(seen.at(-1)!.headers.authorization, "Bearer s3cret");
  const posted = (await tool.call({ method: "POST", url: `http://${host}/submit`, body: { a: 1 } }, { signal })) as { body: { body: unknown } };
  assert.equal(posted.body.body, { a: 1 });
  assert.is(seen.at(-1)!.headers["content-type"], "application/json");
});

test("http - a header naming an unset secret is refused before any request", async () => {
  const count = seen.length;
  const error = await http({ base_url: `http://${host}` }, { headers: { "X-Key": "${NOT_SET}" } }).call({ method: "GET", url: "/" }, { signal }).catch((e: ToolError) => e);
  assert.is((error as ToolError).code, "WFX_TOOL_SECRET_MISSING");
  assert.is((error as ToolError).message, "header 'X-Key' of tool 'web' needs NOT_SET, which is not set");
  assert.is(seen.length, count);
});

test("http - hosts off the allowlist are refused before any request, redirects included", async () => {
  const count = seen.length;
  const error = await http({ allow_hosts: ["api.example.com"] }).call({ method: "GET", url: `http://${host}/` }, { signal }).catch((e: ToolError) => e);
  assert.is((error as ToolError).code, "WFX_HTTP_HOST_NOT_ALLOWED");
  assert.match((error as ToolError).hint!, /allowed hosts: api.example.com/);
  assert.is(seen.length, count);
  const bare = await http({}).call({ method: "GET", url: `http://${host}/` }, { signal }).catch((e: ToolError) => e);
  assert.match((bare as ToolError).hint!, /allow_hosts/, "no allowlist and no base_url: nothing is allowed");
  const hop = await http({ allow_hosts: [host] }).call({ method: "GET", url: `http://${host}/hop` }, { signal }).catch((e: ToolError) => e);
  assert.is((hop as ToolError).code, "WFX_HTTP_HOST_NOT_ALLOWED", "a redirect to another host is checked too");
});

test("http - responses over max_bytes fail; 5xx fails retryable", async () => {
  const tool = http({ allow_hosts: [host], max_bytes: 1000 });
  const big = await tool.call({ method: "GET", url: `http://${host}/big` }, { signal }).catch((e: ToolError) => e);
  assert.is((big as ToolError).code, "WFX_HTTP_TOO_LARGE");
  const down = await tool.call({ method: "GET", url: `http://${host}/broken` }, { signal }).catch((e: ToolError) => e);
  assert.is((down as ToolError).code, "WFX_HTTP_STATUS");
  assert.ok((down as ToolError).retryable);
});

test("http - host patterns: exact, port, wildcard, any", () => {
  const u = new URL("https://api.example.com/x");
  assert.ok(hostAllowed(u, ["api.example.com"]));
  assert.ok(hostAllowed(u, ["*.example.com"]));
  assert.ok(hostAllowed(u, ["api.example.com:443"]));
  assert.not.ok(hostAllowed(u, ["api.example.com:8443"]));
  assert.not.ok(hostAllowed(u, ["example.com"]));
  assert.ok(hostAllowed(u, ["*"]));
});

test("registry - every built-in type has a factory, unknown types list the known ones", () => {
  assert.equal(registry.types(), [...BUILTIN_TOOL_TYPES].sort(), "validation and the registry agree on the built-in types");
  try {
    registry.create({ id: "x", type: "ftp" }, process.cwd());
    assert.unreachable();
  } catch (error) {
    assert.is((error as ToolError).code, "WFX_UNKNOWN_TOOL_TYPE");
    assert.match((error as ToolError).message, /known types: codebase_indexer, filesystem, http, mcpremote, mcpworkflow_executor/);
  }
});

test.run();
