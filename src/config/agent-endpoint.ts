import type { AgentDef } from "./schema.js";
import { substituteSecrets } from "./secrets.js";
import { asString } from "./validate-context.js";
import { given } from "../present.js";

/** Where an agent's model lives: any OpenAI-compatible chat-completions endpoint. */
export interface AgentEndpoint {
  baseURL: string;
  apiKey: string;
  model: string;
}

/** The variables an agent falls back on when its own config does not say. */
export const AGENT_ENDPOINT_ENV = Object.freeze({ baseUrl: "OPENAI_BASE_URL", apiKey: "OPENAI_API_KEY", model: "OPENAI_MODEL" });
export const OPENAI_DEFAULT_BASE_URL = "https://api.openai.com/v1";
export const DEFAULT_AGENT_MODEL = "gpt-4o-mini";
/** Local servers (Ollama, vLLM, LM Studio) take no key, but the protocol wants one sent. */
const KEYLESS = "no-key";

export type EndpointResolution = { endpoint: AgentEndpoint } | { problem: { message: string; hint: string } };

type EndpointFields = Pick<AgentDef, "id" | "base_url" | "api_key" | "model">;

/**
 * Base URL, key and model from the agent's config (with `${NAME}` secrets), then `OPENAI_BASE_URL`,
 * `OPENAI_API_KEY` and `OPENAI_MODEL`, then the default model. An agent with neither a base URL nor a key has no
 * endpoint: that is a problem to report, never something to fake.
 */
export function resolveAgentEndpoint(agent: EndpointFields, env: Readonly<Record<string, string | undefined>>): EndpointResolution {
  const fromConfig = (field: "base_url" | "api_key" | "model") => {
    const raw = agent[field];
    if (raw === undefined) return { value: undefined, missing: [] as string[] };
    const { value, missing } = substituteSecrets(raw, env);
    return { value: value === "" ? undefined : value, missing };
  };
  const base = fromConfig("base_url");
  const key = fromConfig("api_key");
  const model = fromConfig("model");
  const unset = [...base.missing, ...key.missing, ...model.missing];
  if (unset.length > 0) {
    return {
      problem: {
        message: `agent '${agent.id}' needs ${unset.map((n) => `$${n}`).join(", ")}, which ${unset.length === 1 ? "is" : "are"} not set`,
        hint: `set ${unset.join(", ")} in the environment, or write the value into the agent's config`,
      },
    };
  }
  const baseURL = base.value ?? asString(env[AGENT_ENDPOINT_ENV.baseUrl]);
  const apiKey = key.value ?? asString(env[AGENT_ENDPOINT_ENV.apiKey]);
  if (baseURL === undefined && apiKey === undefined) {
    return {
      problem: {
        message: `agent '${agent.id}' has no model endpoint configured`,
        hint: `set ${AGENT_ENDPOINT_ENV.baseUrl} (any OpenAI-compatible server: vLLM, Ollama, LM Studio, Azure) or ${AGENT_ENDPOINT_ENV.apiKey} (api.openai.com), or give the agent base_url:`,
      },
    };
  }
  return {
    endpoint: {
      baseURL: baseURL ?? OPENAI_DEFAULT_BASE_URL,
      apiKey: apiKey ?? KEYLESS,
      model: model.value ?? asString(env[AGENT_ENDPOINT_ENV.model]) ?? DEFAULT_AGENT_MODEL,
    },
  };
}

/**
 * The endpoint of an agent in a workflow a caller sent: the node's own (its key included) when the agent names no
 * base URL or the node's own; an operator-listed base URL with the caller's own key (never the node's); else a problem.
 */
export function resolveCallerAgentEndpoint(agent: EndpointFields, env: Readonly<Record<string, string | undefined>>, modelEndpoints: readonly string[]): EndpointResolution {
  const nodeBase = nodeModelBaseUrl(env);
  const base = agent.base_url?.replace(/\/+$/, "");
  if (base === undefined || (nodeBase !== undefined && base === nodeBase.replace(/\/+$/, ""))) {
    return resolveAgentEndpoint({ id: agent.id, ...given({ model: agent.model }) }, env);
  }
  if (!modelEndpoints.some((u) => u.replace(/\/+$/, "") === base)) {
    return { problem: { message: `agent '${agent.id}' names model endpoint ${agent.base_url}, which the node's caller policy does not list`, hint: "leave base_url out to use the node's model endpoint; only the operator can list others (caller_policy.model_endpoints)" } };
  }
  return { endpoint: { baseURL: agent.base_url!, apiKey: agent.api_key ?? KEYLESS, model: agent.model ?? DEFAULT_AGENT_MODEL } };
}

/** The base URL the node's own key goes to: OPENAI_BASE_URL, else OpenAI's when only a key is set; undefined with neither. */
export function nodeModelBaseUrl(env: Readonly<Record<string, string | undefined>>): string | undefined {
  return asString(env[AGENT_ENDPOINT_ENV.baseUrl]) ?? (asString(env[AGENT_ENDPOINT_ENV.apiKey]) === undefined ? undefined : OPENAI_DEFAULT_BASE_URL);
}
