import { test } from "uvu";
import * as assert from "uvu/assert";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { wfx } from "./helpers/cli.js";
import { startModelServer } from "./helpers/model-server.js";

const model = await startModelServer(() => ({ content: "a short answer", usage: { prompt_tokens: 1200, completion_tokens: 34 } }));
const dir = mkdtempSync(join(tmpdir(), "wfx-cli-usage-"));
const dataDir = join(dir, "data");
writeFileSync(
  join(dir, "ask.yaml"),
  `agents:
  - id: answerer
workflows:
  ask:
    budget: { max_model_calls: 3 }
    steps:
      - agent: answerer
        output: { to: user }
`,
);
const env = { ...model.env, OPENAI_API_KEY: "" };

test.after(async () => {
  await model.close();
  rmSync(dir, { recursive: true, force: true });
});

test("cli usage - wfx run ends with what the run used, and wfx status shows it by model", async () => {
  const run = await wfx(["run", join(dir, "ask.yaml"), "--input", '"why?"'], { dataDir, env });
  assert.is(run.code, 0, run.stderr);
  assert.is(run.stdout.trim(), "a short answer");
  const lines = run.stderr.trim().split("\n");
  assert.match(lines.at(-1)!, /^usage: 1,234 tokens \(1,200 prompt \+ 34 completion\) in 1 model call, wall \d+ ms, cpu \d+ ms$/);
  const id = /execution ([0-9a-f-]{36})/.exec(run.stderr)![1]!;
  const status = await wfx(["status", id], { dataDir, env });
  assert.is(status.code, 0, status.stderr);
  assert.match(status.stdout, "usage:        1,234 tokens (1,200 prompt + 34 completion) in 1 model call");
  assert.match(status.stdout, "  loopback-model: 1,234 tokens (1,200 prompt + 34 completion) in 1 call");
  assert.match(status.stdout, /completed answerer \[1,234 tokens/);
  const json = await wfx(["status", id, "--json"], { dataDir, env });
  assert.equal((JSON.parse(json.stdout) as { usage: { tokens: unknown } }).usage.tokens, { prompt_tokens: 1200, completion_tokens: 34, total_tokens: 1234 });
});

test.run();
