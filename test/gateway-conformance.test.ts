import { spawn } from "node:child_process";
import { fileURLToPath } from "node:url";
import { test } from "uvu";
import * as assert from "uvu/assert";

const SCRIPT = fileURLToPath(new URL("../../scripts/conformance.sh", import.meta.url));
const LIMIT_MS = 240_000;

test("mcp conformance - protocol-level server scenarios pass; only the baselined fixture scenarios fail", async () => {
  const { code, output } = await new Promise<{ code: number | null; output: string }>((resolve) => {
    const child = spawn("bash", [SCRIPT], { stdio: ["ignore", "pipe", "pipe"] });
    let output = "";
    child.stdout.on("data", (d) => (output += d));
    child.stderr.on("data", (d) => (output += d));
    const timer = setTimeout(() => child.kill("SIGTERM"), LIMIT_MS);
    child.on("close", (c) => {
      clearTimeout(timer);
      resolve({ code: c, output });
    });
  });
  assert.is(code, 0, output.slice(-4000));
  assert.match(output, "Baseline check passed");
  for (const scenario of ["server-initialize", "ping", "tools-list", "prompts-list", "resources-list", "logging-set-level", "dns-rebinding-protection"]) {
    assert.match(output, new RegExp(`✓ ${scenario}: [1-9]\\d* passed, 0 failed`), `${scenario} passes`);
  }
});

test.run();
