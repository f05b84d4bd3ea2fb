export { ExecutorNode } from "./executor-node.js";
export type { NodeDeps } from "./node-deps.js";
