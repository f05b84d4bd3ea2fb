import { test } from "uvu";
import * as assert from "uvu/assert";
import { placementNodeOf, StepSlots } from "../src/cluster/index.js";
import { nodeMessage } from "../src/gateway/grpc/convert.js";

test("step slots - a reservation takes a slot and the amounts asked, and gives them back once", () => {
  let changes = 0;
  const slots = new StepSlots(2, { gpu: 2, memory_gb: 64 }, () => changes++);
  const release = slots.tryReserve({ gpu: 1, memory_gb: 16 });
  assert.type(release, "function");
  assert.equal(slots.view(), { resources: { total: { gpu: 2, memory_gb: 64 }, free: { gpu: 1, memory_gb: 48 } }, steps: { capacity: 2, load: 1 } });
  (release as () => void)();
  (release as () => void)();
  assert.equal(slots.view().resources.free, { gpu: 2, memory_gb: 64 }, "released once, not twice");
  assert.is(slots.view().steps.load, 0);
  assert.is(changes, 2, "every change is announced, a second release is none");
});

test("step slots - refusals say why, and whether the node could ever run the step", () => {
  const slots = new StepSlots(1, { gpu: 1 });
  assert.equal(slots.tryReserve({ gpu: 2 }), { refused: "it has 1 gpu", ever: false });
  assert.equal(slots.tryReserve({ tpu: 1 }), { refused: "it has 0 tpu", ever: false });
  const held = slots.tryReserve({ gpu: 1 });
  assert.type(held, "function");
  assert.equal(slots.tryReserve({}), { refused: "its 1 step slots are all in use", ever: true });
  const roomy = new StepSlots(4, { gpu: 1 });
  roomy.tryReserve({ gpu: 1 });
  assert.equal(roomy.tryReserve({ gpu: 1 }), { refused: "gpu 0/1 free", ever: true });
  assert.equal(new StepSlots(0, {}).tryReserve(), { refused: "it runs no placed steps (capacity.steps is 0)", ever: false });
});

test("step slots - a node record with slots is read by placement as its step capacity, load and resources", () => {
  const base = { id: "w1", tags: ["gpu"], capacity: 8, load: 3, gateways: [], version: "1", started_at: 0, status: "up" as const };
  const placed = placementNodeOf({ ...base, resources: { total: { gpu: 2 }, free: { gpu: 1 } }, steps: { capacity: 16, load: 5 } });
  assert.equal(placed.capacity, { executions: 8, steps: 16 });
  assert.equal(placed.load, { executions: 3, steps: 5 });
  assert.equal(placed.resources, { total: { gpu: 2 }, free: { gpu: 1 } });
  const older = placementNodeOf(base);
  assert.equal(older.capacity, { executions: 8, steps: 8 }, "a record without slots takes steps as it takes executions");
  assert.equal(older.resources, { total: {}, free: {} });
});

test("step slots - gRPC's Node carries the resources as named entries (the public protos use no map<>)", () => {
  const message = nodeMessage({ id: "w1", tags: [], capacity: 1, load: 0, gateways: [], version: "1", started_at: 0, status: "up", resources: { total: { gpu: 2 }, free: { gpu: 1 } }, steps: { capacity: 4, load: 1 } });
  assert.equal(message["resources"], [{ name: "gpu", total: 2, free: 1 }]);
  assert.equal(message["steps"], { capacity: 4, load: 1 });
});

test.run();
