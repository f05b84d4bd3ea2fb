import { resolveAgentEndpoint, type AgentEndpoint, type WorkflowFile } from "../config/index.js";

/** The endpoint of every agent of a file that has one, resolved against `env` (for processes that lack that env). */
export function endpointsFor(file: WorkflowFile, env: Readonly<Record<string, string | undefined>>): Record<string, AgentEndpoint> {
  const out: Record<string, AgentEndpoint> = {};
  for (const agent of file.agents ?? []) {
    const resolved = resolveAgentEndpoint(agent, env);
    if ("endpoint" in resolved) out[agent.id] = resolved.endpoint;
  }
  return out;
}
