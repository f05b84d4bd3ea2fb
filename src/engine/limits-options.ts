/**
 * Caps on what one execution may ask of a node: how much a caller may send (checked by the gateways before anything
 * starts) and how far a workflow may fan out (checked by the engine). One place, so a node can expose them as settings.
 */
export interface LimitsOptions {
  /** Deepest nesting of any JSON value a caller sends (input_data, workflow_config, config_override, step args…). */
  maxJsonDepth: number;
  /** Largest `input_data`, in characters of JSON. */
  maxInputBytes: number;
  /** Most steps one workflow of a caller-sent file (workflow_yaml, workflow_config, generated) may have. */
  maxInlineSteps: number;
  /** Longest list a `for_each` step may fan out over, in every workflow. */
  maxForEachItems: number;
  /** Step actors one execution may start in all: for_each iterations and the steps of its sub-workflows included. */
  maxStepsPerExecution: number;
}

export const DEFAULT_LIMITS: Readonly<LimitsOptions> = Object.freeze({
  maxJsonDepth: 64,
  maxInputBytes: 1024 * 1024,
  maxInlineSteps: 200,
  maxForEachItems: 10_000,
  maxStepsPerExecution: 100_000,
});

/** Fills defaults, rejects nonsense limits and freezes. */
export function resolveLimitsOptions(options: Partial<LimitsOptions> = {}): Readonly<LimitsOptions> {
  const resolved: LimitsOptions = { ...DEFAULT_LIMITS };
  for (const key of Object.keys(DEFAULT_LIMITS) as (keyof LimitsOptions)[]) {
    const value = options[key];
    if (value === undefined) continue;
    if (!Number.isInteger(value) || value < 1) throw new RangeError(`LimitsOptions.${key} must be a positive integer, got ${String(value)}`);
    resolved[key] = value;
  }
  return Object.freeze(resolved);
}
