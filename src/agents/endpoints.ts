import type { AgentDef, AgentEndpoint, EndpointResolution, WorkflowFile } from "../config/index.js";

/** The endpoint of every agent of a file that has one, resolved here for a process (isolated) that lacks this env. */
export function endpointsFor(file: WorkflowFile, endpointOf: (agent: AgentDef) => EndpointResolution): Record<string, AgentEndpoint> {
  const out: Record<string, AgentEndpoint> = {};
  for (const agent of file.agents ?? []) {
    const resolved = endpointOf(agent);
    if ("endpoint" in resolved) out[agent.id] = resolved.endpoint;
  }
  return out;
}

/** Looks an agent up among endpoints resolved elsewhere; one missing there had none to resolve. */
export function endpointFrom(endpoints: Readonly<Record<string, AgentEndpoint>>): (agent: AgentDef) => EndpointResolution {
  return (agent) => {
    const endpoint = Object.hasOwn(endpoints, agent.id) ? endpoints[agent.id] : undefined;
    return endpoint === undefined ? { problem: { message: `agent '${agent.id}' has no model endpoint configured`, hint: "set OPENAI_BASE_URL or OPENAI_API_KEY on the node, or give the agent base_url:" } } : { endpoint };
  };
}
