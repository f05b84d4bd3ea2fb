import type { Complexity } from "./types.js";

export const COMPLEXITIES: readonly Complexity[] = ["simple", "medium", "complex"];

/** How many agents each level allows, as the source document defines them; enforced on every generated workflow. */
export const AGENT_BOUNDS: Readonly<Record<Complexity, { min: number; max: number }>> = Object.freeze({
  simple: { min: 1, max: 2 },
  medium: { min: 3, max: 4 },
  complex: { min: 5, max: 8 },
});

/** The level a description asks for when it does not say: by how many distinct jobs it names. */
export function inferComplexity(jobs: number): Complexity {
  return jobs <= 2 ? "simple" : jobs <= 4 ? "medium" : "complex";
}

export function boundsText(complexity: Complexity): string {
  const { min, max } = AGENT_BOUNDS[complexity];
  return `${complexity} workflows have ${min}-${max} agents`;
}
