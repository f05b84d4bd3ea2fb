import type { ReportedTokens } from "./chat-model.js";

/**
 * How an agent step's calls are counted and bounded. The engine implements it (usage and budgets); the agent loop
 * only reports. A method that throws stops the agent with that error.
 */
export interface AgentAccounting {
  /** Before each model call: throws when a budget leaves no room for another. */
  beforeModelCall(): void;
  /** After each model call, with the tokens its endpoint reported (undefined: none); throws when they spent a budget. */
  modelCalled(model: string, tokens: ReportedTokens | undefined): void;
  /** Before each tool call the model asked for: counts it, or throws when a budget leaves no room for it. */
  toolCall(): void;
  /** After a model call waited `ms` for its share of a rate limit. */
  rateLimited?(ms: number): void;
  /** Aborted, with the budget error as its reason, when a budget shared with other steps is spent. */
  signal?: AbortSignal;
}
