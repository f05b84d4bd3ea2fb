import { EngineError } from "./errors.js";

/**
 * How many step actors one execution tree may still start: shared by its supervisor, its for_each fan-outs and the
 * supervisors of its sub-workflows, so nesting cannot multiply work past the node's `maxStepsPerExecution`.
 */
export class StepAllowance {
  readonly max: number;
  #started = 0;

  constructor(max: number) {
    this.max = max;
  }

  get started(): number {
    return this.#started;
  }

  /** Counts one more step actor of `stepId`, or throws WFX_STEP_LIMIT (never retried: the same work would hit it again). */
  take(stepId: string): void {
    if (this.#started >= this.max) {
      throw new EngineError("WFX_STEP_LIMIT", `step '${stepId}' would be step ${(this.max + 1).toLocaleString("en-US")} of this execution; one execution may start at most ${this.max.toLocaleString("en-US")} (for_each iterations and sub-workflow steps included; the node's --max-steps-per-execution)`, {
        hint: "do less per execution (fewer for_each items, less nesting of sub-workflows, or split the work over several executions), or raise --max-steps-per-execution (WFX_MAX_STEPS_PER_EXECUTION) on the node",
      });
    }
    this.#started++;
  }
}
