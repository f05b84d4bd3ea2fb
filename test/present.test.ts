import { test } from "uvu";
import * as assert from "uvu/assert";
import { given } from "../src/present.js";

test("given - keeps set values (falsy ones too) and leaves undefined ones out, so spreading it adds no key set to undefined", () => {
  const options: { a?: number; b?: string; c?: boolean; d?: null } = { ...given({ a: 0, b: undefined as string | undefined, c: false, d: null }) };
  assert.equal(options, { a: 0, c: false, d: null });
  assert.not.ok("b" in options);
  assert.equal({ ...given({}) }, {});
});

test.run();
