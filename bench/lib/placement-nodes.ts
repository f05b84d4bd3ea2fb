import type { NodeStatus, PlacementNode, PlacementRequest } from "../../src/cluster/index.js";

const TAGS = ["gpu", "eu", "us", "high-memory", "arm", "ssd", "spot", "gateway"];
const POOLS = 20;

/**
 * `count` registered nodes as a large cluster has them: two to four tags each plus one of 20 pools, a gpu count and
 * memory, 95% up (3% draining, 2% down), step slots partly in use (some full), resources partly reserved.
 */
export function registeredNodes(count: number, random: () => number): PlacementNode[] {
  const pick = <T>(list: readonly T[]): T => list[Math.floor(random() * list.length)]!;
  return Array.from({ length: count }, (_, i) => {
    const tags = new Set<string>([`pool-${i % POOLS}`]);
    const wanted = 2 + Math.floor(random() * 3);
    while (tags.size < wanted + 1) tags.add(pick(TAGS));
    const gpu = tags.has("gpu") ? pick([1, 2, 4, 8]) : 0;
    const memory = tags.has("high-memory") ? 256 : pick([16, 32, 64]);
    const steps = pick([8, 16, 32, 64]);
    const roll = random();
    const status: NodeStatus = roll < 0.95 ? "up" : roll < 0.98 ? "draining" : "down";
    return {
      id: `node-${i.toString().padStart(4, "0")}`,
      tags: [...tags],
      resources: { total: { gpu, memory_gb: memory }, free: { gpu: Math.floor(random() * (gpu + 1)), memory_gb: Math.floor(random() * memory) } },
      capacity: { executions: steps, steps },
      load: { executions: Math.floor(random() * steps), steps: Math.floor(random() * (steps + 1)) },
      status,
    };
  });
}

/** What the benchmark asks placement: the common case (one hard tag) and one using every rule at once. */
export const PLACEMENT_REQUESTS: readonly { name: string; request: PlacementRequest }[] = [
  { name: "tags [gpu]", request: { tags: ["gpu"], kind: "step" } },
  { name: "tags [gpu], prefer eu + ssd:20, avoid spot, gpu: 1", request: { tags: ["gpu"], prefer: ["eu", { tag: "ssd", weight: 20 }], avoid: ["spot"], resources: { gpu: 1 }, kind: "step" } },
];
