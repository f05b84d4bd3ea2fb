import { test } from "uvu";
import * as assert from "uvu/assert";
import { sameWriter } from "../src/cluster/own-write.js";
import type { ExecutionRecord } from "../src/engine/index.js";

const record = (node: string, pid: number, instance?: string): ExecutionRecord =>
  ({ execution_id: "e", node, pid, ...(instance === undefined ? {} : { resume: { file_json: "{}", generation: 0, owner_instance: instance } }) }) as ExecutionRecord;

test("own write - a stored record is this process's own only with the same node, pid and incarnation", () => {
  const writing = record("w1", 10, "i1");
  assert.ok(sameWriter(() => record("w1", 10, "i1"), writing));
  assert.not.ok(sameWriter(() => record("w2", 10, "i1"), writing), "another node adopted it");
  assert.not.ok(sameWriter(() => record("w1", 11, "i1"), writing), "another process on this node");
  assert.not.ok(sameWriter(() => record("w1", 10, "i2"), writing), "this node restarted under the same pid");
  assert.not.ok(sameWriter(() => undefined, writing));
  assert.not.ok(sameWriter(() => { throw new Error("not sealed with our key"); }, writing), "one that cannot be read is not ours");
  // A final record carries no resume spec: node and pid decide.
  assert.ok(sameWriter(() => record("w1", 10, "i1"), record("w1", 10)));
});

test.run();
