import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "uvu";
import * as assert from "uvu/assert";
import { loadNodeProfile, NodeProfileInvalidError, type Problem } from "../src/config/index.js";
import { resolveClusterOptions } from "../src/cluster/index.js";

const dir = mkdtempSync(join(tmpdir(), "wfx-tag-limits-"));
test.after(() => rmSync(dir, { recursive: true, force: true }));
const ids = { hostname: () => "box", suffix: () => "a1b2c3" };

function load(yaml: string | undefined, env: Record<string, string> = {}) {
  if (yaml === undefined) return loadNodeProfile(undefined, env, ids);
  const file = join(dir, "node.yaml");
  writeFileSync(file, yaml);
  return loadNodeProfile(file, env, ids);
}

function problemsOf(yaml: string | undefined, env: Record<string, string> = {}): Problem[] {
  try {
    load(yaml, env);
  } catch (error) {
    assert.instance(error, NodeProfileInvalidError);
    return (error as NodeProfileInvalidError).problems;
  }
  throw new Error(`accepted ${yaml ?? JSON.stringify(env)}`);
}

test("tag limits config - the profile's limits and WFX_CLUSTER_LIMITS (laid over it tag by tag); none by default", () => {
  assert.equal(load(undefined).limits, {});
  assert.equal(load("limits: { gpu: 4, eu: 10 }\n").limits, { gpu: 4, eu: 10 });
  assert.equal(load(undefined, { WFX_CLUSTER_LIMITS: "gpu=4, eu=10" }).limits, { gpu: 4, eu: 10 });
  assert.equal(load("limits: { gpu: 4, eu: 10 }\n", { WFX_CLUSTER_LIMITS: "gpu=2" }).limits, { gpu: 2, eu: 10 }, "the variable replaces the tags it names");
  assert.ok(Object.isFrozen(load("limits: { gpu: 4 }\n").limits));
});

test("tag limits config - bad limits in the file name the field, with its line and a hint", () => {
  const cases: [string, string, string][] = [
    ["limits: { gpu: 0 }\n", "limits.gpu", "gpu must be >= 1"],
    ["limits: { gpu: 1.5 }\n", "limits.gpu", "expected a whole number"],
    ["limits: { 'g u': 2 }\n", "limits", "Invalid key"],
    ["limits: [gpu]\n", "limits", ""],
  ];
  for (const [yaml, path, text] of cases) {
    const list = problemsOf(yaml);
    assert.is(list.length, 1, `${yaml}: ${JSON.stringify(list)}`);
    const [p] = list as [Problem];
    assert.ok(p.path.startsWith(path), `${yaml}: ${p.path}`);
    assert.ok(p.message.includes(text), `${yaml}: ${p.message}`);
    assert.is(p.line, 1, yaml);
    assert.match(p.hint, "limits: { gpu: 4 }");
  }
});

test("tag limits config - bad WFX_CLUSTER_LIMITS names the variable, with its hint and no line", () => {
  const cases: [string, string, string][] = [
    ["gpu=four", "limits", "WFX_CLUSTER_LIMITS: 'gpu=four' is not name=number"],
    ["gpu", "limits", "WFX_CLUSTER_LIMITS: 'gpu' is not name=number"],
    ["gpu=0", "limits.gpu", "WFX_CLUSTER_LIMITS: gpu must be >= 1"],
    ["gpu=2.5", "limits.gpu", "WFX_CLUSTER_LIMITS: expected a whole number"],
  ];
  for (const [value, path, text] of cases) {
    const list = problemsOf(undefined, { WFX_CLUSTER_LIMITS: value });
    assert.is(list.length, 1, `${value}: ${JSON.stringify(list)}`);
    const [p] = list as [Problem];
    assert.is(p.path, path, value);
    assert.ok(p.message.includes(text), `${value}: ${p.message}`);
    assert.is(p.line, undefined);
    assert.match(p.hint, "WFX_CLUSTER_LIMITS=gpu=4,eu=10");
  }
});

test("tag limits config - cluster options refuse a limit below 1 and keep the profile's", () => {
  const base = { servers: ["nats://127.0.0.1:4222"], trust: { mode: "insecure" as const } };
  assert.equal(resolveClusterOptions({ ...base, tagLimits: { gpu: 2 } }).tagLimits, { gpu: 2 });
  assert.equal(resolveClusterOptions(base).tagLimits, {});
  assert.throws(() => resolveClusterOptions({ ...base, tagLimits: { gpu: 0 } }), /the limit of tag 'gpu' must be a whole number of 1 or more/);
});

test.run();
