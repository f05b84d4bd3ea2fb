/** An edge of a dependency graph, with where in the file it was declared. */
export interface Edge<T> {
  to: string;
  via: T;
}

export interface Cycle<T> {
  /** `[a, b, a]`: the nodes in order, the first repeated at the end. */
  nodes: string[];
  /** The edge that closes the cycle. */
  closing: Edge<T>;
}

/**
 * One cycle per back edge found by depth-first search, each reported once whatever node it was entered from.
 * Iterative, so a long chain of steps cannot overflow the stack.
 */
export function findCycles<T>(nodes: readonly string[], edges: ReadonlyMap<string, readonly Edge<T>[]>): Cycle<T>[] {
  const state = new Map<string, "active" | "done">();
  const cycles: Cycle<T>[] = [];
  const seen = new Set<string>();
  const known = new Set(nodes);
  for (const start of nodes) {
    if (state.has(start)) continue;
    const stack: { node: string; next: number }[] = [{ node: start, next: 0 }];
    state.set(start, "active");
    while (stack.length > 0) {
      const frame = stack[stack.length - 1]!;
      const out = edges.get(frame.node) ?? [];
      if (frame.next >= out.length) {
        state.set(frame.node, "done");
        stack.pop();
        continue;
      }
      const edge = out[frame.next++]!;
      const mark = state.get(edge.to);
      if (mark === undefined) {
        if (!known.has(edge.to)) continue;
        state.set(edge.to, "active");
        stack.push({ node: edge.to, next: 0 });
      } else if (mark === "active") {
        const from = stack.findIndex((f) => f.node === edge.to);
        const members = stack.slice(from).map((f) => f.node);
        const key = [...members].sort().join("\u0000");
        if (!seen.has(key)) {
          seen.add(key);
          cycles.push({ nodes: [...members, edge.to], closing: edge });
        }
      }
    }
  }
  return cycles;
}
