import { test } from "uvu";
import * as assert from "uvu/assert";
import { place, placementFor, type PlacementNode } from "../src/cluster/placement.js";

function node(id: string, tags: string[]): PlacementNode {
  return { id, tags, resources: { total: {}, free: {} }, capacity: { executions: 4, steps: 4 }, load: { executions: 0, steps: 0 }, status: "up" };
}

test("placementFor - nothing asked from any source is an empty placement, with no undefined fields", () => {
  const merged = placementFor(undefined, { target_instance: undefined, target_tags: undefined }, {});
  assert.equal(merged, {});
  assert.equal(Object.keys(merged), []);
});

test("placementFor - the workflow's own placement is kept whole", () => {
  const workflow = { tags: ["eu"], prefer: ["fast"], avoid: ["spot"], resources: { gpu: 1 } };
  assert.equal(placementFor(workflow), workflow);
});

test("placementFor - the request's target wins over the file's, and its tags add to the file's", () => {
  const merged = placementFor({ tags: ["eu"], target_instance: "pool-a" }, { target_instance: "node-7", target_tags: ["gpu"] });
  assert.equal(merged, { tags: ["eu"], target_instance: "node-7", target_tags: ["gpu"] });
});

test("placementFor - a request that names no target keeps the file's", () => {
  assert.equal(placementFor({ target_instance: "pool-a" }, { target_tags: ["gpu"] }), { target_instance: "pool-a", target_tags: ["gpu"] });
});

test("placementFor - the token's node tags become any_of_tags, over what a stored request carried", () => {
  assert.equal(placementFor(undefined, { any_of_tags: ["old"] }, { tags: ["gpu", "eu"] }), { any_of_tags: ["gpu", "eu"] });
  assert.equal(placementFor(undefined, { any_of_tags: ["old"] }), { any_of_tags: ["old"] });
});

test("placementFor - a step's placement merged alone is the step's", () => {
  assert.equal(placementFor({ tags: ["gpu"], resources: { gpu: 2 } }), { tags: ["gpu"], resources: { gpu: 2 } });
});

test("placementFor - what it merges is what placement obeys: file tags, request tags and token tags all hold", () => {
  const nodes = [node("a", ["eu"]), node("b", ["eu", "gpu"]), node("c", ["eu", "gpu", "team-x"])];
  const merged = placementFor({ tags: ["eu"] }, { target_tags: ["gpu"] }, { tags: ["team-x"] });
  const chosen = place({ ...merged, kind: "execution" }, nodes, () => 0);
  assert.ok("node" in chosen && chosen.node.id === "c");
});

test.run();
