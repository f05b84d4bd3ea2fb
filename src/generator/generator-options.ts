import { resolveAgentOptions, type AgentOptions } from "../agents/index.js";
import type { AgentEndpoint } from "../config/index.js";
import { defaultToolRegistry, type ToolRegistry } from "../tools/index.js";
import { given } from "../present.js";

/** Which planner writes the workflow: the model when one is configured (`auto`), or always one of them. */
export type PlannerChoice = "auto" | "model" | "template";

export interface GeneratorOptions {
  /** Where `OPENAI_BASE_URL` / `OPENAI_API_KEY` / `OPENAI_MODEL` (and `WFX_GENERATOR_MODEL`) are read from. */
  env: Readonly<Record<string, string | undefined>>;
  /** The model that plans; default: resolved from `env` like an agent's. */
  endpoint?: AgentEndpoint;
  /** The tool types generated workflows may use (and their descriptions, for the model). */
  tools: ToolRegistry;
  agentOptions: Readonly<AgentOptions>;
  /** Rounds in which validation problems are sent back to the model for repair, after its first answer. */
  repairRounds: number;
  planner: PlannerChoice;
}

export function resolveGeneratorOptions(options: Partial<Omit<GeneratorOptions, "agentOptions">> & { agentOptions?: Partial<AgentOptions> } = {}): Readonly<GeneratorOptions> {
  const repairRounds = options.repairRounds ?? 3;
  if (!Number.isInteger(repairRounds) || repairRounds < 0) throw new RangeError(`GeneratorOptions.repairRounds must be an integer >= 0, got ${repairRounds}`);
  return Object.freeze({
    env: options.env ?? process.env,
    ...given({ endpoint: options.endpoint }),
    tools: options.tools ?? defaultToolRegistry(),
    agentOptions: resolveAgentOptions(options.agentOptions),
    repairRounds,
    planner: options.planner ?? "auto",
  });
}
