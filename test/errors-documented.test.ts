import { test } from "uvu";
import * as assert from "uvu/assert";
import { readdirSync, readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

const ROOT = fileURLToPath(new URL("../../", import.meta.url));

function sources(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? sources(path) : path.endsWith(".ts") ? [path] : [];
  });
}

test("errors - every WFX_ code the source raises is documented in docs/errors.md (env vars in the README)", () => {
  const codes = new Set<string>();
  for (const file of sources(join(ROOT, "src"))) {
    for (const match of readFileSync(file, "utf8").matchAll(/["'`](WFX_[A-Z0-9_]+)["'`]/g)) codes.add(match[1]!);
  }
  const docs = readFileSync(join(ROOT, "docs/errors.md"), "utf8") + readFileSync(join(ROOT, "README.md"), "utf8");
  const missing = [...codes].filter((code) => !docs.includes(`\`${code}\``)).sort();
  assert.ok(codes.size > 20, `found ${codes.size} codes`);
  assert.equal(missing, [], `undocumented codes: ${missing.join(", ")}`);
});

test.run();
