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

test("cli usage - wfx run --budget lowers the workflow's budget, is refused above it, and explains a malformed one", async () => {
  const spent = await wfx(["run", join(dir, "ask.yaml"), "--input", '"why?"', "--budget", "max_tokens=1000"], { dataDir, env });
  assert.is(spent.code, 1, spent.stderr);
  assert.match(spent.stderr, "step 'answerer' failed: max_tokens 1,000 reached: 1,234 tokens used by 1 model call");
  assert.match(spent.stderr, "hint: raise budget.max_tokens of the request");
  const above = await wfx(["run", join(dir, "ask.yaml"), "--input", '"why?"', "--budget", '{"max_model_calls": 5}'], { dataDir, env });
  assert.is(above.code, 2, above.stderr);
  assert.match(above.stderr, "budget.max_model_calls 5 of the request is above the budget.max_model_calls 3");
  const within = await wfx(["run", join(dir, "ask.yaml"), "--input", '"why?"', "-b", "max_model_calls=2, max_tokens=5000"], { dataDir, env });
  assert.is(within.code, 0, within.stderr);
  for (const [flag, problem] of [["max_tokens=lots", "max_tokens: expected a whole number"], ["max_tokens", "'max_tokens' is not name=number"], ["max_turns=3", "max_turns"], ["max_tool_calls=0", "must be at least 1"]] as const) {
    const bad = await wfx(["run", join(dir, "ask.yaml"), "--budget", flag], { dataDir, env });
    assert.is(bad.code, 2, `${flag}: ${bad.stderr}`);
    assert.match(bad.stderr, `--budget: `, flag);
    assert.match(bad.stderr, problem, flag);
    assert.match(bad.stderr, "max_tokens=20000,max_model_calls=10", `${flag}: the hint shows the form`);
  }
});

test.run();
