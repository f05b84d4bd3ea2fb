import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "uvu";
import * as assert from "uvu/assert";
import { gatewayOptionsFrom } from "../src/cli/commands/serve.js";
import { ConfigError, defaultCallerPolicy, loadCallerPolicyFile, parseCallerPolicy } from "../src/config/index.js";

const dir = mkdtempSync(join(tmpdir(), "wfx-policy-"));
test.after(() => rmSync(dir, { recursive: true, force: true }));

test("caller policy - the default grants sandboxed files, the node's executor and nothing on the network", () => {
  assert.equal({ ...defaultCallerPolicy() }, { tool_types: ["filesystem", "codebase_indexer", "mcpworkflow_executor"], http_hosts: [], mcp_servers: [], model_endpoints: [] });
  assert.ok(Object.isFrozen(defaultCallerPolicy().tool_types));
});

test("caller policy - read from a file's caller_policy section or the policy itself; a bad one names the field", () => {
  const file = join(dir, "policy.yaml");
  writeFileSync(file, "caller_policy:\n  http_hosts: [api.example.com]\n");
  assert.equal(loadCallerPolicyFile(file).http_hosts, ["api.example.com"]);
  assert.equal(parseCallerPolicy("{mcp_servers: ['https://mcp.example.com/mcp']}", "WFX_CALLER_POLICY").mcp_servers, ["https://mcp.example.com/mcp"]);
  for (const [text, field] of [["{http_host: [x]}", "http_host"], ["{mcp_servers: [not-a-url]}", "mcp_servers.0"], ["{tool_types: [", "not valid YAML"]] as const) {
    try {
      parseCallerPolicy(text, "WFX_CALLER_POLICY");
      assert.unreachable(`accepted ${text}`);
    } catch (error) {
      assert.instance(error, ConfigError);
      assert.is((error as ConfigError).code, "WFX_CALLER_POLICY_INVALID");
      assert.match((error as Error).message, field);
    }
  }
});

test("caller policy - serve flags add to the file's lists and --caller-tool-types replaces its types", () => {
  const file = join(dir, "base.yaml");
  writeFileSync(file, "http_hosts: [a.example.com]\n");
  const options = gatewayOptionsFrom({ "caller-policy": file, "caller-http-host": ["b.example.com"], "caller-tool-types": "filesystem,http", "caller-model-endpoint": ["http://vllm.internal:8000/v1"] }, {});
  assert.equal({ ...options.callerPolicy }, { tool_types: ["filesystem", "http"], http_hosts: ["a.example.com", "b.example.com"], mcp_servers: [], model_endpoints: ["http://vllm.internal:8000/v1"] });
  assert.equal(gatewayOptionsFrom({}, { WFX_CALLER_POLICY: "{http_hosts: [env.example.com]}" }).callerPolicy?.http_hosts, ["env.example.com"]);
  assert.is(gatewayOptionsFrom({}, {}).callerPolicy, undefined, "no flags: the node's default");
});

test.run();
