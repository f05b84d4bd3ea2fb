import { Annotation, END, START, StateGraph } from "@langchain/langgraph";

const State = Annotation.Root({ value: Annotation<number> });
type BenchState = typeof State.State;

/** Something invokable the way the benchmark uses a compiled graph. */
export interface ChainGraph {
  invoke(input: BenchState): Promise<BenchState>;
}

/**
 * A LangGraph.js StateGraph of `length` nodes in a chain, each a no-op that returns a state update carrying the
 * value on (the same shape as the engine's linear workflow), compiled once.
 */
export function compileChain(length: number): ChainGraph {
  // Node names are built in a loop, which the builder's literal-typed generics cannot follow; the graph is checked at compile().
  const graph = new StateGraph(State) as unknown as {
    addNode(name: string, fn: (state: BenchState) => Partial<BenchState>): void;
    addEdge(from: string, to: string): void;
    compile(): ChainGraph;
  };
  for (let i = 0; i < length; i++) graph.addNode(`n${i}`, (state) => ({ value: state.value }));
  graph.addEdge(START, "n0");
  for (let i = 1; i < length; i++) graph.addEdge(`n${i - 1}`, `n${i}`);
  graph.addEdge(`n${length - 1}`, END);
  return graph.compile();
}
