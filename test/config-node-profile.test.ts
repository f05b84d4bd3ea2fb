import { mkdtempSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { test } from "uvu";
import * as assert from "uvu/assert";
import { generateNodeId, loadNodeProfile, NodeProfileInvalidError, type NodeProfile, type Problem } from "../src/config/index.js";

const NODES = fileURLToPath(new URL("../../nodes/", import.meta.url));
const dir = mkdtempSync(join(tmpdir(), "wfx-profile-"));
test.after(() => rmSync(dir, { recursive: true, force: true }));

const ids = { hostname: () => "box.example.com", suffix: () => "a1b2c3" };

function profile(yaml: string, env: Record<string, string> = {}): NodeProfile {
  const file = join(dir, "node.yaml");
  writeFileSync(file, yaml);
  return loadNodeProfile(file, env, ids);
}

function problems(yaml: string | undefined, env: Record<string, string> = {}): { list: Problem[]; error: NodeProfileInvalidError } {
  try {
    if (yaml === undefined) loadNodeProfile(undefined, env, ids);
    else profile(yaml, env);
  } catch (error) {
    assert.instance(error, NodeProfileInvalidError);
    const e = error as NodeProfileInvalidError;
    assert.is(e.code, "WFX_NODE_PROFILE_INVALID");
    return { list: e.problems, error: e };
  }
  throw new Error(`accepted ${yaml ?? JSON.stringify(env)}`);
}

test("node profile - each shipped profile loads, and standalone.yaml is the embedded default", () => {
  const names = readdirSync(NODES).filter((f) => f.endsWith(".yaml")).sort();
  assert.equal(names, ["eu-worker.yaml", "gateway.yaml", "gpu-worker.yaml", "high-memory-worker.yaml", "standalone.yaml", "worker.yaml"]);
  const loaded = Object.fromEntries(names.map((n) => [n, loadNodeProfile(join(NODES, n), {}, ids)]));
  const standalone = loaded["standalone.yaml"]!;
  assert.equal({ ...standalone, source: undefined }, { ...loadNodeProfile(undefined, {}, ids) });
  assert.is(standalone.nats, undefined);
  assert.equal(standalone.gateways, { http: { port: 4020 }, grpc: { port: 50051 }, mcp: "/mcp" });
  assert.equal(standalone.capacity, { executions: 64, steps: 256, queued: 10_000 });
  const gateway = loaded["gateway.yaml"]!;
  assert.equal(gateway.capacity, { executions: 0, steps: 0, queued: 10_000 }, "a gateway runs nothing itself");
  assert.equal(gateway.nats?.servers, ["nats://nats:4222"]);
  for (const name of names.filter((n) => n.includes("worker"))) {
    const worker = loaded[name]!;
    assert.equal(worker.gateways, {}, `${name} serves no gateway`);
    assert.ok(worker.nats !== undefined && worker.capacity.steps > 0, name);
    assert.equal(worker.heartbeat, { interval_ms: 1000, missed_beats_down: 3 });
  }
  assert.equal(loaded["gpu-worker.yaml"]!.tags, ["gpu", "gpu_workflow_executor"]);
  assert.equal(loaded["gpu-worker.yaml"]!.resources, { gpu: 2, memory_gb: 64 });
  assert.ok(loaded["eu-worker.yaml"]!.tags.includes("eu"));
  assert.equal(loaded["high-memory-worker.yaml"]!.resources, { memory_gb: 512 });
});

test("node profile - defaults: a host-based id, a dead node seen within 3 s, the deny-by-default caller policy; all frozen", () => {
  const p = loadNodeProfile(undefined, {}, ids);
  assert.is(p.id, "box-example-com-a1b2c3");
  assert.match(generateNodeId(), /^[A-Za-z0-9_-]+-[0-9a-f]{6}$/);
  assert.is.not(generateNodeId(), generateNodeId());
  assert.ok(p.heartbeat.interval_ms * p.heartbeat.missed_beats_down <= 3000);
  assert.is(p.placement_timeout_s, 300);
  assert.equal(p.caller_policy.http_hosts, []);
  for (const part of [p, p.tags, p.capacity, p.gateways, p.gateways.http, p.heartbeat, p.caller_policy]) assert.ok(Object.isFrozen(part));
});

test("node profile - every field from a file, relative credential paths read from the profile's folder", () => {
  const p = profile(`
id: gpu-7
tags: [gpu, eu, gpu]
resources: { gpu: 2, memory_gb: 64 }
capacity: { executions: 8, steps: 4 }
gateways: { grpc: { port: 6000 } }
nats:
  url: [nats://n1:4222, tls://n2:4443]
  creds_file: ./wfx.creds
  tls: { ca: ca.pem, cert: /etc/wfx/c.pem, key: /etc/wfx/k.pem }
heartbeat: { interval_ms: 500, missed_beats_down: 4 }
placement_timeout_s: 30
caller_policy: { http_hosts: [api.example.com] }
prices: { gpt-4o-mini: { prompt_per_1k: 0.15, completion_per_1k: 0.6 } }
model_limits: [{ endpoint: "https://api.openai.com/v1", model: gpt-4o-mini, requests_per_minute: 500 }]
limits: { gpu: 4 }
`);
  assert.equal({ ...p, caller_policy: undefined }, {
    source: join(dir, "node.yaml"),
    id: "gpu-7",
    tags: ["gpu", "eu"],
    resources: { gpu: 2, memory_gb: 64 },
    capacity: { executions: 8, steps: 4, queued: 10_000 },
    gateways: { grpc: { port: 6000 } },
    nats: { servers: ["nats://n1:4222", "tls://n2:4443"], creds_file: join(dir, "wfx.creds"), tls: { ca: join(dir, "ca.pem"), cert: "/etc/wfx/c.pem", key: "/etc/wfx/k.pem" } },
    heartbeat: { interval_ms: 500, missed_beats_down: 4 },
    placement_timeout_s: 30,
    caller_policy: undefined,
    prices: { "gpt-4o-mini": { prompt_per_1k: 0.15, completion_per_1k: 0.6, currency: "USD" } },
    model_limits: [{ endpoint: "https://api.openai.com/v1", model: "gpt-4o-mini", requests_per_minute: 500, burst_s: 10 }],
    limits: { gpu: 4 },
  });
  assert.equal(p.caller_policy.http_hosts, ["api.example.com"]);
});

test("node profile - a bad price table names the model's field and how to write it", () => {
  const { list } = problems("prices: { gpt-4o: { prompt_per_1k: -1, completion_per_1k: 0.6, currency: dollars } }\n");
  const paths = list.map((p) => p.path).sort();
  assert.equal(paths, ["prices.gpt-4o.currency", "prices.gpt-4o.prompt_per_1k"]);
  assert.match(list.find((p) => p.path.endsWith("currency"))!.message, "three-letter code");
});

test("node profile - a bad model limit names its field and how to write it", () => {
  const { list } = problems("model_limits: [{ endpoint: api.openai.com, requests_per_minute: 0, burst_s: 90 }]\n");
  const paths = list.map((p) => p.path).sort();
  assert.equal(paths, ["model_limits[0].burst_s", "model_limits[0].endpoint", "model_limits[0].requests_per_minute"]);
  assert.match(list.find((p) => p.path.endsWith("endpoint"))!.hint ?? "", "base URL");
});

test("node profile - the environment applies over the file", () => {
  const worker = join(NODES, "worker.yaml");
  const p = loadNodeProfile(
    worker,
    {
      WFX_NODE_ID: "w-9",
      WFX_NODE_TAGS: "gpu, eu",
      WFX_NODE_RESOURCES: "gpu=2,memory_gb=64.5",
      WFX_NODE_CAPACITY: "steps=3",
      WFX_NODE_GATEWAYS: "http,grpc",
      WFX_HTTP_PORT: "8080",
      WFX_GRPC_PORT: "9090",
      WFX_NATS_URL: "nats://a:4222,nats://b:4222",
      WFX_NATS_USER: "wfx",
      WFX_NATS_PASSWORD: "secret",
      WFX_NATS_CREDS: "",
    },
    ids,
  );
  assert.is(p.id, "w-9");
  assert.equal(p.tags, ["gpu", "eu"]);
  assert.equal(p.resources, { gpu: 2, memory_gb: 64.5 });
  assert.equal(p.capacity, { executions: 64, steps: 3, queued: 10_000 }, "one capacity from the file, one from the variable");
  assert.equal(p.gateways, { http: { port: 8080 }, grpc: { port: 9090 }, mcp: "/mcp" });
  assert.equal(p.nats, { servers: ["nats://a:4222", "nats://b:4222"], user: "wfx", password: "secret" });
  assert.equal(loadNodeProfile(join(NODES, "gateway.yaml"), { WFX_NODE_GATEWAYS: "none" }, ids).gateways, {});
  assert.equal(loadNodeProfile(join(NODES, "gateway.yaml"), { WFX_NODE_GATEWAYS: "mcp" }, ids).gateways, { http: { port: 4020 }, mcp: "/mcp" }, "mcp rides on http");
  assert.equal(loadNodeProfile(undefined, { WFX_NATS_URL: "nats-0:4222" }, ids).nats, { servers: ["nats-0:4222"] }, "a NATS URL joins the standalone default to a cluster");
  assert.equal(loadNodeProfile(undefined, { WFX_GRPC_PORT: "0" }, ids).gateways, { http: { port: 4020 }, grpc: { port: 0 }, mcp: "/mcp" });
  const token = profile("nats: { url: nats://n:4222, user: u, password: p }", { WFX_NATS_TOKEN: "t0k" });
  assert.equal(token.nats, { servers: ["nats://n:4222"], token: "t0k" }, "auth from the environment replaces the file's");
  const creds = profile("nats: { url: nats://n:4222, creds_file: file.creds }", { WFX_NATS_CREDS: "my.creds" });
  assert.is(creds.nats?.creds_file, join(process.cwd(), "my.creds"), "a relative path from the environment is the working directory's");
  assert.equal(profile("nats: { url: nats://n:4222, user: u, password: p }", { WFX_NATS_PASSWORD: "from-env" }).nats?.password, "from-env");
});

test("node profile - every bad field is one problem with its path, line and a hint", () => {
  const cases: [string, string, string, string][] = [
    ["idd: x", "idd", "WFX_UNKNOWN_KEY", "did you mean 'id'?"],
    ["id: gpu.1", "id", "WFX_INVALID_VALUE", "a node id uses letters, digits, '_' and '-'"],
    ["tags: gpu", "tags", "WFX_INVALID_TYPE", "expected a list, got the text 'gpu'"],
    ["tags: [gpu, 'has space']", "tags[1]", "WFX_INVALID_VALUE", "tags and resource names use letters"],
    ["resources: { gpu: two }", "resources.gpu", "WFX_INVALID_TYPE", "expected a number, got the text 'two'"],
    ["resources: { gpu: -1 }", "resources.gpu", "WFX_INVALID_VALUE", "gpu must be > 0"],
    ["capacity: { executions: 1.5 }", "capacity.executions", "WFX_INVALID_TYPE", "expected a whole number"],
    ["capacity: { steps: 0 }", "capacity.steps", "WFX_INVALID_VALUE", "a node without nats runs all its work itself, so capacity.steps must be at least 1"],
    ["capacity: { step: 4 }", "capacity.step", "WFX_UNKNOWN_KEY", "did you mean 'steps'?"],
    ["gateways: nne", "gateways", "WFX_INVALID_TYPE", "expected a mapping, got the text 'nne'"],
    ["gateways: { http: { port: 70000 } }", "gateways.http.port", "WFX_INVALID_VALUE", "port must be <= 65535"],
    ["gateways: { http: { port: 4020 }, grpc: { port: 4020 } }", "gateways.grpc.port", "WFX_INVALID_VALUE", "http and grpc cannot share port 4020"],
    ["gateways: { grpc: {}, mcp: /mcp }", "gateways.mcp", "WFX_INVALID_VALUE", "MCP is served on the http gateway, and this profile serves no http"],
    ["gateways: { http: {}, mcp: mcp }", "gateways.mcp", "WFX_INVALID_VALUE", "an MCP path starts with '/'"],
    ["gateways: none", "gateways", "WFX_INVALID_VALUE", "a node without nats and without gateways can be reached by nothing"],
    ["nats: { url: 'http://n:4222' }", "nats.url[0]", "WFX_INVALID_VALUE", "a NATS URL is nats://host:port"],
    ["nats: { url: [] }", "nats.url", "WFX_INVALID_VALUE", "url needs at least 1 item"],
    ["nats: { user: wfx }", "nats.password", "WFX_MISSING_FIELD", "nats.password is missing: user and password go together"],
    ["nats: { token: t, creds_file: c.creds }", "nats.creds_file", "WFX_INVALID_VALUE", "nats has token and creds_file: use one way to authenticate"],
    ["nats: { tls: { cert: c.pem } }", "nats.tls.key", "WFX_MISSING_FIELD", "a TLS client certificate needs both cert and key"],
    ["heartbeat: { interval_ms: 10 }", "heartbeat.interval_ms", "WFX_INVALID_VALUE", "interval_ms must be >= 100"],
    ["heartbeat: { missed_beats_down: 0 }", "heartbeat.missed_beats_down", "WFX_INVALID_VALUE", "missed_beats_down must be >= 1"],
    ["placement_timeout_s: 0", "placement_timeout_s", "WFX_INVALID_VALUE", "placement_timeout_s must be > 0"],
    ["caller_policy: { http_host: [x] }", "caller_policy.http_host", "WFX_UNKNOWN_KEY", "did you mean 'http_hosts'?"],
  ];
  for (const [yaml, path, code, text] of cases) {
    const { list, error } = problems(`# a profile\n${yaml}\n`);
    assert.is(list.length, 1, `${yaml}: ${error.formatted}`);
    const [p] = list as [Problem];
    assert.is(p.path, path, yaml);
    assert.is(p.code, code, yaml);
    assert.ok(p.message.includes(text) || p.hint.includes(text), `${yaml}: ${JSON.stringify(p)}`);
    assert.is(p.line, 2, `${yaml}: located on its line`);
    assert.ok(p.hint !== "" && p.hint !== "change the value", `${yaml}: hint '${p.hint}'`);
    assert.match(error.message, `node.yaml:2:`);
  }
});

test("node profile - a bad variable is one problem naming it and what it expects", () => {
  const cases: [Record<string, string>, string, string][] = [
    [{ WFX_NODE_ID: "a b" }, "id", "WFX_NODE_ID: a node id uses letters, digits, '_' and '-'"],
    [{ WFX_NODE_TAGS: "gpu,e u" }, "tags[1]", "WFX_NODE_TAGS: tags and resource names use letters"],
    [{ WFX_NODE_RESOURCES: "gpu=two" }, "resources", "WFX_NODE_RESOURCES: 'gpu=two' is not name=number"],
    [{ WFX_NODE_RESOURCES: "gpu=0" }, "resources.gpu", "WFX_NODE_RESOURCES: gpu must be > 0"],
    [{ WFX_NODE_CAPACITY: "execs=4" }, "capacity", "WFX_NODE_CAPACITY: unknown name 'execs' (expected executions or steps or queued)"],
    [{ WFX_NODE_CAPACITY: "steps=0.5" }, "capacity.steps", "WFX_NODE_CAPACITY: expected a whole number"],
    [{ WFX_NODE_GATEWAYS: "http,websocket" }, "gateways", "WFX_NODE_GATEWAYS: unknown gateway 'websocket'"],
    [{ WFX_NODE_GATEWAYS: "none,http" }, "gateways", "WFX_NODE_GATEWAYS: 'none' cannot be listed with gateways"],
    [{ WFX_NODE_GATEWAYS: "none" }, "gateways", "WFX_NODE_GATEWAYS: a node without nats and without gateways can be reached by nothing"],
    [{ WFX_HTTP_PORT: "http" }, "gateways.http.port", "WFX_HTTP_PORT: 'http' is not a port number"],
    [{ WFX_HTTP_PORT: "99999" }, "gateways.http.port", "WFX_HTTP_PORT: port must be <= 65535"],
    [{ WFX_NODE_GATEWAYS: "http", WFX_GRPC_PORT: "5000" }, "gateways.grpc", "WFX_GRPC_PORT: is set, but this node serves no grpc gateway"],
    [{ WFX_NATS_URL: "http://x" }, "nats.url[0]", "WFX_NATS_URL: a NATS URL is nats://host:port"],
    [{ WFX_NATS_USER: "wfx" }, "nats.password", "nats.password is missing: user and password go together"],
    [{ WFX_NATS_TOKEN: "t", WFX_NATS_CREDS: "c.creds" }, "nats.creds_file", "WFX_NATS_CREDS: nats has token and creds_file: use one way to authenticate"],
  ];
  for (const [env, path, text] of cases) {
    const { list, error } = problems(undefined, env);
    assert.is(list.length, 1, `${JSON.stringify(env)}: ${error.formatted}`);
    const [p] = list as [Problem];
    assert.is(p.path, path, JSON.stringify(env));
    assert.ok(p.message.includes(text), `${JSON.stringify(env)}: ${p.message}`);
    assert.is(p.line, undefined, "no line: it is not in the file");
    assert.ok(p.hint.length > 10, p.hint);
  }
  const fromFile = problems("gateways: { http: { port: 70000 } }\n", { WFX_NODE_GATEWAYS: "http" }).list;
  assert.equal(fromFile.map((p) => [p.path, p.message, p.line]), [["gateways.http.port", "port must be <= 65535", 1]], "a variable choosing the gateways is not blamed for the file's port");
  assert.match(problems(undefined, { WFX_HTTP_PORT: "x" }).error.formatted, /^environment error WFX_INVALID_VALUE gateways\.http\.port: WFX_HTTP_PORT: 'x' is not a port number\n {4}hint: the http gateway's port/);
});

test("node profile - a missing file, bad YAML or a list is a problem; an empty file is the defaults; all problems come at once", () => {
  try {
    loadNodeProfile(join(dir, "nope.yaml"), {}, ids);
    assert.unreachable("loaded a missing file");
  } catch (error) {
    assert.is((error as NodeProfileInvalidError).problems[0]?.code, "WFX_FILE_NOT_FOUND");
  }
  assert.is(problems("tags: [gpu\n").list[0]?.code, "WFX_YAML_SYNTAX");
  assert.equal(problems("- gpu\n").list.map((p) => p.message), ["a node profile is a mapping"]);
  assert.equal(profile("# nothing yet\n").capacity, { executions: 64, steps: 256, queued: 10_000 });
  const many = problems("tags: gpu\ncapacity: { steps: -1 }\n", { WFX_HTTP_PORT: "x" });
  assert.equal(many.list.map((p) => p.path), ["tags", "capacity.steps", "gateways.http.port"]);
  assert.match(many.error.message, /has 3 problems/);
});

test.run();
