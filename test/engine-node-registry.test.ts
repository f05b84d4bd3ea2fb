import { test } from "uvu";
import * as assert from "uvu/assert";
import { LocalNodeRegistry, type NodeEvent, type NodeInfo, type NodeRegistry } from "../src/engine/index.js";
import { LOCAL_PRINCIPAL } from "../src/gateway/auth/index.js";
import { startTestNode } from "./helpers/gateway-node.js";

test("node registry - the local registry publishes load changes and replays what a watcher missed", () => {
  const registry = new LocalNodeRegistry({ id: "n1", tags: ["eu"], capacity: 4, version: "1.0.0" });
  const first: NodeEvent[] = [];
  registry.watch(0, (e) => first.push(e));
  assert.equal(first.map((e) => [e.type, e.node.load]), [["node.up", 0]], "a new watcher is told the node as it is");
  registry.setLoad(2);
  registry.setLoad(2);
  registry.setStatus("draining");
  assert.equal(first.map((e) => e.type), ["node.up", "node.updated", "node.updated"], "an unchanged load is not an event");
  const late: NodeEvent[] = [];
  registry.watch(first[0]!.seq, (e) => late.push(e));
  assert.equal(late.map((e) => [e.node.load, e.node.status]), [[2, "up"], [2, "draining"]]);
});

test("node registry - a registry built on the engine's interface alone (as a cluster's is) answers list_nodes", async () => {
  const other: NodeInfo = { id: "n2", tags: ["gpu"], capacity: 8, load: 3, gateways: [], version: "1.0.0", started_at: 0, status: "up" };
  const t = await startTestNode({ http: false, grpc: false }, {
    nodeRegistry: (self): NodeRegistry => ({ self: () => self.self(), list: async () => [self.self(), other], watch: (afterSeq, listener) => self.watch(afterSeq, listener) }),
  });
  try {
    const answer = await t.node.operations.call("list_nodes", { tags: ["gpu"] }, { principal: LOCAL_PRINCIPAL, gateway: "test" });
    assert.equal(answer, { nodes: [other], total_count: 1 });
  } finally {
    await t.close();
  }
});

test.run();
