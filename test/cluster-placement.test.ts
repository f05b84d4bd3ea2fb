import { test } from "uvu";
import * as assert from "uvu/assert";
import { ClusterError, NoFeasibleNodeError, place, type Pending, type PlacementNode, type PlacementRequest, type PlacementResult } from "../src/cluster/index.js";
import { parseWorkflowYaml } from "../src/config/index.js";
import { seeded } from "./helpers/seeded.js";

interface NodeInit {
  tags?: string[];
  resources?: Record<string, number>;
  free?: Record<string, number>;
  capacity?: Partial<PlacementNode["capacity"]>;
  load?: Partial<PlacementNode["load"]>;
  status?: PlacementNode["status"];
}

function node(id: string, init: NodeInit = {}): PlacementNode {
  const total = init.resources ?? {};
  return {
    id,
    tags: init.tags ?? [],
    resources: { total, free: { ...total, ...init.free } },
    capacity: { executions: 8, steps: 8, ...init.capacity },
    load: { executions: 0, steps: 0, ...init.load },
    status: init.status ?? "up",
  };
}

/** Returns the given draws in turn. */
function draws(...values: number[]): () => number {
  let i = 0;
  return () => values[i++ % values.length]!;
}

function placed(result: PlacementResult): string {
  if ("pending" in result) throw new Error(`pending: ${result.pending.message}`);
  return result.node.id;
}

function pending(result: PlacementResult): Pending {
  if ("node" in result) throw new Error(`placed on ${result.node.id}`);
  return result.pending;
}

const cluster = [
  node("cpu-1", { tags: ["eu"] }),
  node("gpu-1", { tags: ["gpu", "us"], resources: { gpu: 2 } }),
  node("gpu-2", { tags: ["gpu", "eu"], resources: { gpu: 4 } }),
];

test("placement - hard tags: only a node carrying every tag, target_tags included", () => {
  assert.is(placed(place({ tags: ["gpu", "eu"] }, cluster)), "gpu-2");
  assert.is(placed(place({ tags: ["gpu"], target_tags: ["us"] }, cluster)), "gpu-1");
  assert.is(placed(place({ target_tags: ["eu", "gpu"] }, cluster)), "gpu-2");
});

test("placement - tags nobody offers leave it pending, naming exactly those tags", () => {
  const one = pending(place({ tags: ["gpu", "asia"] }, cluster));
  assert.equal(one, { reason: "unmatched", message: "no node that runs steps carries tag 'asia'", missing_tags: ["asia"], missing_resources: [] });
  const two = pending(place({ tags: ["tpu", "asia"], target_tags: ["eu"] }, cluster));
  assert.is(two.message, "no node that runs steps carries tags 'tpu' and 'asia'");
  assert.equal(two.missing_tags, ["tpu", "asia"]);
});

test("placement - tags each offered but never together: no single node has them all", () => {
  const p = pending(place({ tags: ["gpu", "us"], resources: { gpu: 3 } }, cluster));
  assert.equal(p, { reason: "unmatched", message: "no single node has all of tag 'gpu', tag 'us', 3 gpu", missing_tags: [], missing_resources: [] });
});

test("placement - resources: total decides if a node fits, free if it has room; what nobody has is named", () => {
  assert.is(placed(place({ resources: { gpu: 3 } }, cluster)), "gpu-2");
  const tooMuch = pending(place({ resources: { gpu: 8, tpu: 1 } }, cluster));
  assert.equal(tooMuch, {
    reason: "unmatched",
    message: "no node that runs steps has 8 gpu (the most on one node is 4); no node that runs steps has resource 'tpu'",
    missing_tags: [],
    missing_resources: ["gpu", "tpu"],
  });
  const reserved = [node("gpu-1", { resources: { gpu: 2 }, free: { gpu: 1 } }), node("gpu-2", { resources: { gpu: 4 }, free: { gpu: 0 } })];
  assert.is(placed(place({ resources: { gpu: 1 } }, reserved)), "gpu-1");
  assert.is(pending(place({ resources: { gpu: 2 } }, reserved)).message, "all 2 nodes that fit are full: gpu-1 (gpu 1/2 free), gpu-2 (gpu 0/4 free)");
});

test("placement - busy: nodes that fit but have no free slot are named with their load, and nothing is missing", () => {
  const full = [node("a", { tags: ["gpu"], load: { steps: 8 } }), node("b", { load: { steps: 0 } })];
  assert.equal(pending(place({ tags: ["gpu"] }, full)), { reason: "busy", message: "the one node that fits is full: a (steps 8/8)", missing_tags: [], missing_resources: [] });
  const many = Array.from({ length: 7 }, (_, i) => node(`n${i}`, { load: { steps: 8 } }));
  assert.is(pending(place({}, many)).message, "all 7 nodes that fit are full: n0 (steps 8/8), n1 (steps 8/8), n2 (steps 8/8), n3 (steps 8/8), n4 (steps 8/8) and 2 more");
});

test("placement - draining and down nodes receive nothing; a draining node that would fit is named", () => {
  const nodes = [node("gpu-1", { tags: ["gpu"], status: "draining" }), node("gpu-2", { tags: ["gpu"], status: "down" }), node("cpu-1")];
  for (let seed = 1; seed <= 20; seed++) assert.is(placed(place({}, nodes, seeded(seed))), "cpu-1");
  assert.equal(pending(place({ tags: ["gpu"] }, nodes)), {
    reason: "unmatched",
    message: "no node that runs steps carries tag 'gpu' ('gpu-1' would fit but is draining)",
    missing_tags: ["gpu"],
    missing_resources: [],
  });
});

test("placement - no node up, or none that runs the kind asked for", () => {
  assert.equal(pending(place({ tags: ["gpu"] }, [])), { reason: "no_nodes", message: "no node is up", missing_tags: ["gpu"], missing_resources: [] });
  const gone = [node("a", { status: "draining" }), node("b", { status: "down" }), node("c", { status: "down" })];
  assert.is(pending(place({}, gone)).message, "no node is up (draining: 'a'; down: 'b' and 'c')");
  const gateways = [node("gw-1", { capacity: { executions: 0, steps: 0 } }), node("gw-2", { capacity: { executions: 0, steps: 0 } })];
  assert.equal(pending(place({}, gateways)), { reason: "no_nodes", message: "no node that is up runs steps: capacity.steps is 0 on 'gw-1' and 'gw-2'", missing_tags: [], missing_resources: [] });
});

test("placement - kind execution takes an executions slot; a node with steps 0 gets supervisors, never steps", () => {
  const nodes = [node("gw", { capacity: { executions: 64, steps: 0 } }), node("worker", { capacity: { executions: 4, steps: 16 }, load: { executions: 4 } })];
  assert.is(placed(place({ kind: "execution" }, nodes)), "gw");
  assert.is(placed(place({}, nodes)), "worker");
  assert.is(pending(place({ kind: "execution", target_instance: "worker" }, nodes)).message, "the one node that fits is full: worker (executions 4/4)");
});

test("placement - prefer: the highest total weight wins among nodes with room; a bare tag weighs 50", () => {
  const nodes = [node("a", { tags: ["eu"] }), node("b", { tags: ["ssd"] }), node("c", { tags: ["eu", "ssd"], load: { steps: 8 } }), node("d")];
  for (let seed = 1; seed <= 20; seed++) {
    assert.is(placed(place({ prefer: ["eu"] }, nodes, seeded(seed))), "a");
    assert.is(placed(place({ prefer: ["eu", { tag: "ssd", weight: 51 }] }, nodes, seeded(seed))), "b");
    assert.is(placed(place({ prefer: [{ tag: "eu", weight: 100 }, "ssd"] }, nodes, seeded(seed))), "a");
  }
  assert.is(placed(place({ prefer: ["nvme"] }, [node("x")])), "x", "a preference nobody meets changes nothing");
});

test("placement - avoid is soft: a node carrying an avoided tag is chosen only when no other has room", () => {
  const nodes = [node("spot-1", { tags: ["spot", "eu"] }), node("od-1", { load: { steps: 7 } })];
  for (let seed = 1; seed <= 20; seed++) assert.is(placed(place({ avoid: ["spot"], prefer: ["eu"] }, nodes, seeded(seed))), "od-1", "avoid outranks prefer");
  assert.is(placed(place({ avoid: ["spot"] }, [nodes[0]!, node("od-1", { load: { steps: 8 } })])), "spot-1");
});

test("placement - target_instance: a node's id, else a pool (the tag its nodes carry)", () => {
  const nodes = [node("w-1", { tags: ["gpu_workflow_executor"] }), node("w-2", { tags: ["gpu_workflow_executor"] }), node("w-3")];
  assert.is(placed(place({ target_instance: "w-3" }, nodes)), "w-3");
  for (let seed = 1; seed <= 20; seed++) assert.match(placed(place({ target_instance: "gpu_workflow_executor" }, nodes, seeded(seed))), /^w-[12]$/);
  assert.is(pending(place({ target_instance: "eu_workflow_executor" }, nodes)).message, "no node is named 'eu_workflow_executor' or carries it as a pool tag");
  assert.is(pending(place({ target_instance: "w-3" }, [...nodes.slice(0, 2), node("w-3", { status: "draining" })])).message, "node 'w-3' is draining");
  assert.is(pending(place({ target_instance: "w-3" }, [node("w-1"), node("w-3", { capacity: { steps: 0 } })])).message, "node 'w-3' does not run steps");
  assert.is(pending(place({ target_instance: "w-3", tags: ["gpu_workflow_executor"] }, nodes)).message, "no single node has all of tag 'gpu_workflow_executor', target 'w-3'");
});

test("placement - power of two choices: the less used of two nodes drawn at random", () => {
  const nodes = [node("idle", { load: { steps: 0 } }), node("half", { load: { steps: 4 } }), node("full-ish", { load: { steps: 7 } })];
  assert.is(placed(place({}, nodes, draws(0.9, 0.6))), "half", "draws 'full-ish' and 'half'");
  assert.is(placed(place({}, nodes, draws(0.0, 0.0))), "idle", "the second draw skips the first node: 'idle' against 'half'");
  assert.is(placed(place({}, nodes.slice(1), draws(0.99, 0.2))), "half");
  const counts = new Map<string, number>();
  const random = seeded(42);
  for (let i = 0; i < 3000; i++) {
    const id = placed(place({}, nodes, random));
    counts.set(id, (counts.get(id) ?? 0) + 1);
  }
  assert.is(counts.get("full-ish"), undefined, "the busiest of three is never the less used of two");
  assert.ok(counts.get("idle")! > counts.get("half")!, `idle ${counts.get("idle")} vs half ${counts.get("half")}`);
  assert.ok(Math.abs(counts.get("idle")! - 2000) < 120, `about two thirds idle: ${counts.get("idle")}`);
});

test("placement - utilisation counts the resources asked for, not just the slots", () => {
  const nodes = [node("busy-gpus", { resources: { gpu: 4 }, free: { gpu: 1 } }), node("busy-slots", { resources: { gpu: 4 }, load: { steps: 4 } })];
  assert.is(placed(place({ resources: { gpu: 1 } }, nodes, draws(0, 0))), "busy-slots", "3/4 of the gpus in use outweighs 4/8 of the slots");
  assert.is(placed(place({}, nodes, draws(0, 0))), "busy-gpus", "without gpus asked for, only slots count");
});

test("placement - NoFeasibleNodeError carries the code, the last pending reason and a hint", () => {
  const p = pending(place({ tags: ["gpu"] }, [node("cpu-1")]));
  const error = new NoFeasibleNodeError("step 'train'", p, 300);
  assert.instance(error, ClusterError);
  assert.is(error.code, "WFX_NO_FEASIBLE_NODE");
  assert.is(error.message, "no node could run step 'train' within 300 s: no node that runs steps carries tag 'gpu'");
  assert.is(error.pending, p);
  assert.match(error.hint!, "offers what is missing");
});

test("placement - the workflow schema takes weighted prefer, avoid, resources and target_instance; bad ones name their path", () => {
  const ok = (placement: string) => parseWorkflowYaml(`workflows:\n  w:\n    placement: ${placement}\n    steps: [{ tool: filesystem, args: {} }]\n`, "w.yaml");
  const good = ok("{ tags: [gpu], prefer: [eu, { tag: ssd, weight: 80 }], avoid: [spot], resources: { gpu: 1, memory_gb: 0.5 }, target_instance: gpu_pool }");
  assert.equal(good.problems, []);
  const request: PlacementRequest = good.file!.workflows["w"]!.placement!;
  assert.equal(request.prefer, ["eu", { tag: "ssd", weight: 80 }]);
  const cases: [string, string, string][] = [
    ["{ prefer: [{ tag: ssd, weight: 101 }] }", "workflows.w.placement.prefer[0].weight", "weight must be <= 100"],
    ["{ prefer: [{ tag: ssd }] }", "workflows.w.placement.prefer[0]", "a preference is a tag or { tag, weight } with weight 1 to 100, got a mapping"],
    ["{ prefer: [7] }", "workflows.w.placement.prefer[0]", "a preference is a tag or { tag, weight } with weight 1 to 100"],
    ["{ resources: { gpu: 0 } }", "workflows.w.placement.resources.gpu", "gpu must be > 0"],
    ["{ resources: { gpu: two } }", "workflows.w.placement.resources.gpu", "expected a number, got the text 'two'"],
    ["{ target: x }", "workflows.w.placement.target", "'resources', 'target_instance'"],
  ];
  for (const [placement, path, text] of cases) {
    const { problems } = ok(placement);
    assert.is(problems.length, 1, `${placement}: ${JSON.stringify(problems)}`);
    assert.is(problems[0]!.path, path, placement);
    assert.ok(problems[0]!.message.includes(text) || problems[0]!.hint.includes(text), `${placement}: ${JSON.stringify(problems[0])}`);
  }
});

test.run();
