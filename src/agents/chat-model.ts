import type OpenAI from "openai";
import { backoffDelay } from "../actors/index.js";
import type { AgentEndpoint } from "../config/index.js";
import type { AgentOptions } from "./agent-options.js";
import { AgentError } from "./errors.js";
import { given } from "../present.js";
import { cancellableWait, cancelledError } from "./cancellable-wait.js";
import { estimateTokens, type ModelRateLimiter, type RateLimitWait, type Reservation } from "./model-rate-limiter.js";
import { providerPauseMs, retryAfterMs } from "./provider-pause.js";
import { systemClock } from "../actors/index.js";

export type ChatMessage = OpenAI.Chat.Completions.ChatCompletionMessageParam;
export type ChatTool = OpenAI.Chat.Completions.ChatCompletionFunctionTool;

export interface ToolCallRequest {
  id: string;
  name: string;
  /** JSON text as the model wrote it; may not parse. */
  arguments: string;
}

export interface ChatRequest {
  messages: ChatMessage[];
  tools?: ChatTool[];
  temperature?: number;
  maxTokens?: number;
  /** Structured output: the reply must be JSON matching this schema. */
  jsonSchema?: { name: string; schema: Record<string, unknown> };
  stream: boolean;
}

/** Tokens as the endpoint reported them for one call. */
export interface ReportedTokens {
  prompt_tokens: number;
  completion_tokens: number;
  total_tokens: number;
}

export interface ChatReply {
  content: string;
  toolCalls: ToolCallRequest[];
  finishReason: string;
  /** The endpoint's `usage`; undefined when it reported none (some servers do not, in streams especially). */
  usage: ReportedTokens | undefined;
}

export interface ChatCallOptions {
  signal: AbortSignal;
  /** Each streamed piece of text, as it arrives. */
  onToken?(text: string): void;
  /** Before waiting to retry a failed call. */
  onRetry?(info: { attempt: number; delayMs: number; error: AgentError }): void;
  /** Overrides `AgentOptions.timeoutMs` for this call (an agent's `timeout`). */
  timeoutMs?: number;
  /** When a call starts to wait for its share of a rate limit (or a provider's pause). */
  onRateLimited?(wait: RateLimitWait): void;
  /** After each reservation that waited, with how long it waited. */
  onRateLimitWaited?(ms: number): void;
}

/** The `openai` package (~150 modules), loaded on the first model call: a process that calls no model never pays for it. */
let sdk: typeof OpenAI | undefined;
let loadingSdk: Promise<typeof OpenAI> | undefined;
const loadSdk = () => (loadingSdk ??= import("openai").then((m) => (sdk = m.default)));
/** What the `openai` package threw, as its own class: only it can have thrown one, so it is loaded by then. */
const isApiError = (error: unknown): error is InstanceType<typeof OpenAI.APIError> => sdk !== undefined && error instanceof sdk.APIError;

/** Servers that refused `stream_options` (older Azure API versions, some OpenAI-compatible servers): streamed calls to them go without it. */
const refusesStreamOptions = new Set<string>();
const MAX_REMEMBERED_ENDPOINTS = 1000;

/** A 400/422 that names `stream_options`: the server does not know the parameter, so a call without it may pass. */
function refusedStreamOptions(error: unknown): boolean {
  return isApiError(error) && (error.status === 400 || error.status === 422) && /stream_options|include_usage/.test(error.message);
}

/**
 * One OpenAI-compatible chat-completions endpoint (OpenAI, Azure's v1 API, vLLM, Ollama, LM Studio…). Retries
 * 429/5xx/timeouts/dropped connections itself, with backoff or the server's `retry-after`, so every wait is
 * cancellable and visible; the `openai` package's own retries are off.
 */
export class ChatModel {
  readonly endpoint: AgentEndpoint;
  readonly #options: Readonly<AgentOptions>;
  #client: OpenAI | undefined;
  readonly #limiter: ModelRateLimiter | undefined;

  /** `limiter`: the node's (or cluster's) shares of model endpoints' limits; absent: calls go at once. */
  constructor(endpoint: AgentEndpoint, options: Readonly<AgentOptions>, limiter?: ModelRateLimiter) {
    this.endpoint = endpoint;
    this.#options = options;
    this.#limiter = limiter;
  }

  async #clientOf(): Promise<OpenAI> {
    this.#client ??= new (await loadSdk())({ baseURL: this.endpoint.baseURL, apiKey: this.endpoint.apiKey, maxRetries: 0 });
    return this.#client;
  }

  async complete(request: ChatRequest, options: ChatCallOptions): Promise<ChatReply> {
    let rateLimited = 0;
    for (let attempt = 1; ; attempt++) {
      const reservation = await this.#reserve(request, options);
      try {
        const reply = await this.#once(request, options);
        reservation?.settle(reply.usage?.total_tokens);
        return reply;
      } catch (raw) {
        const error = toAgentError(raw, options.signal, this.endpoint);
        const limited = this.#limiter !== undefined && isApiError(raw) && raw.status === 429;
        // A refused call spent no tokens; any other failure may have, so its estimate stands.
        reservation?.settle(limited ? 0 : undefined);
        if (limited) {
          // The provider's pause is every node's: the limiter shares it, and the retry waits in line for it.
          const pauseMs = providerPauseMs(raw.headers) ?? this.#backoff(rateLimited + 1);
          if (++rateLimited > this.#options.maxRateLimitedRetries || pauseMs > this.#options.maxRetryAfterMs) throw error;
          this.#limiter!.penalise(this.endpoint.baseURL, pauseMs);
          options.onRetry?.({ attempt: attempt + 1, delayMs: pauseMs, error });
          continue;
        }
        if (!error.retryable || attempt - rateLimited > this.#options.maxRetries) throw error;
        const delayMs = this.#delayBefore(attempt - rateLimited, raw);
        if (delayMs === undefined) throw error;
        options.onRetry?.({ attempt: attempt + 1, delayMs, error });
        await cancellableWait(delayMs, options.signal, systemClock);
      }
    }
  }

  /** Waits for this call's share of the endpoint's limits (none without a limiter). */
  async #reserve(request: ChatRequest, options: ChatCallOptions): Promise<Reservation | undefined> {
    if (this.#limiter === undefined) return undefined;
    const prompt = [request.messages, request.tools ?? []];
    const reservation = await this.#limiter.reserve({ endpoint: this.endpoint.baseURL, model: this.endpoint.model, estimatedTokens: estimateTokens(prompt, request.maxTokens), signal: options.signal, ...given({ onWait: options.onRateLimited }) });
    if (reservation.waitedMs > 0) options.onRateLimitWaited?.(reservation.waitedMs);
    return reservation;
  }

  #backoff(attempt: number): number {
    const o = this.#options;
    return backoffDelay({ initialMs: o.backoffMs, maxMs: o.maxBackoffMs, multiplier: o.backoffMultiplier, jitter: o.jitter }, attempt);
  }

  async #once(request: ChatRequest, options: ChatCallOptions): Promise<ChatReply> {
    const timeoutMs = options.timeoutMs ?? this.#options.timeoutMs;
    const timer = AbortSignal.timeout(timeoutMs);
    const signal = AbortSignal.any([options.signal, timer]);
    const params = {
      model: this.endpoint.model,
      messages: request.messages,
      ...(request.tools !== undefined && request.tools.length > 0 ? { tools: request.tools } : {}),
      ...given({ temperature: request.temperature, max_tokens: request.maxTokens }),
      ...(request.jsonSchema === undefined ? {} : { response_format: { type: "json_schema" as const, json_schema: { name: request.jsonSchema.name, schema: request.jsonSchema.schema } } }),
    };
    try {
      if (!request.stream) {
        const completion = await (await this.#clientOf()).chat.completions.create({ ...params, stream: false }, { signal, timeout: timeoutMs + 1000 });
        const choice = completion.choices[0];
        const message = choice?.message;
        const toolCalls = (message?.tool_calls ?? []).flatMap((c) => (c.type === "function" ? [{ id: c.id, name: c.function.name, arguments: c.function.arguments }] : []));
        return { content: message?.content ?? "", toolCalls, finishReason: choice?.finish_reason ?? "stop", usage: reportedTokens(completion.usage) };
      }
      const stream = await this.#openStream(params, signal, timeoutMs);
      let content = "";
      let finishReason = "stop";
      let usage: ReportedTokens | undefined;
      const calls: { id: string; name: string; arguments: string }[] = [];
      for await (const chunk of stream) {
        usage = reportedTokens(chunk.usage) ?? usage;
        const choice = chunk.choices[0];
        if (choice === undefined) continue;
        const delta = choice.delta;
        if (typeof delta?.content === "string" && delta.content !== "") {
          content += delta.content;
          options.onToken?.(delta.content);
        }
        for (const part of delta?.tool_calls ?? []) {
          const call = (calls[part.index] ??= { id: "", name: "", arguments: "" });
          if (part.id) call.id = part.id;
          if (part.function?.name) call.name += part.function.name;
          if (part.function?.arguments) call.arguments += part.function.arguments;
        }
        if (choice.finish_reason) finishReason = choice.finish_reason;
      }
      // The `openai` stream ends quietly when aborted; a cut-off reply must not pass for a whole one.
      if (signal.aborted) throw signal.reason;
      const toolCalls = calls.filter(Boolean).map((c, i) => ({ ...c, id: c.id || `call_${i}` }));
      return { content, toolCalls, finishReason, usage };
    } catch (error) {
      if (timer.aborted && !options.signal.aborted) {
        throw new AgentError("WFX_MODEL_TIMEOUT", `model call to ${this.endpoint.baseURL} (${this.endpoint.model}) took longer than ${timeoutMs / 1000}s`, {
          hint: "raise the agent's timeout (seconds), or check that the model server is not overloaded",
          retryable: true,
          cause: error,
        });
      }
      throw error;
    }
  }

  /**
   * include_usage: the endpoint sends one last chunk with the whole call's usage (and no choices). A server that refuses
   * the parameter is asked again without it, and remembered; its calls then count as usage unknown unless it sends some.
   */
  async #openStream(params: Omit<OpenAI.Chat.Completions.ChatCompletionCreateParamsStreaming, "stream">, signal: AbortSignal, timeoutMs: number) {
    const server = this.endpoint.baseURL;
    const options = { signal, timeout: timeoutMs + 1000 };
    const client = await this.#clientOf();
    if (refusesStreamOptions.has(server)) return client.chat.completions.create({ ...params, stream: true }, options);
    try {
      return await client.chat.completions.create({ ...params, stream: true, stream_options: { include_usage: true } }, options);
    } catch (error) {
      if (!refusedStreamOptions(error)) throw error;
      if (refusesStreamOptions.size >= MAX_REMEMBERED_ENDPOINTS) refusesStreamOptions.clear();
      refusesStreamOptions.add(server);
      return client.chat.completions.create({ ...params, stream: true }, options);
    }
  }

  /** `retry-after` (seconds or an HTTP date) or `retry-after-ms` when the server sent one, else exponential backoff. */
  #delayBefore(attempt: number, error: unknown): number | undefined {
    const o = this.#options;
    const headers = isApiError(error) ? error.headers : undefined;
    const told = retryAfterMs(headers);
    if (told !== undefined) return told > o.maxRetryAfterMs ? undefined : told;
    return this.#backoff(attempt);
  }
}

/** The endpoint's usage when it gave whole numbers; anything else counts as not reported rather than guessed. */
function reportedTokens(usage: { prompt_tokens?: unknown; completion_tokens?: unknown; total_tokens?: unknown } | null | undefined): ReportedTokens | undefined {
  if (usage === null || usage === undefined) return undefined;
  const { prompt_tokens: prompt, completion_tokens: completion, total_tokens: total } = usage;
  if (!Number.isSafeInteger(prompt) || !Number.isSafeInteger(completion)) return undefined;
  const p = prompt as number, c = completion as number;
  return { prompt_tokens: p, completion_tokens: c, total_tokens: Number.isSafeInteger(total) ? (total as number) : p + c };
}

/** Maps what the `openai` package throws to stable codes; only transient failures are retryable. */
export function toAgentError(error: unknown, signal: AbortSignal, endpoint: AgentEndpoint): AgentError {
  if (error instanceof AgentError) return error;
  if (signal.aborted) return cancelledError(signal);
  const where = `${endpoint.baseURL} (model ${endpoint.model})`;
  if (sdk !== undefined && error instanceof sdk.APIConnectionError) {
    return new AgentError("WFX_MODEL_UNREACHABLE", `cannot reach the model server at ${where}: ${error.message}`, {
      hint: "check OPENAI_BASE_URL / the agent's base_url and that the server is running",
      retryable: true,
      cause: error,
    });
  }
  if (isApiError(error) && typeof error.status === "number") {
    const status = error.status;
    const detail = `${where} answered ${status}: ${error.message}`;
    if (status === 429) return new AgentError("WFX_MODEL_RATE_LIMITED", detail, { hint: "the endpoint is rate limiting; retries honour its retry-after", retryable: true, cause: error });
    if (status >= 500 || status === 408 || status === 409) return new AgentError("WFX_MODEL_UNAVAILABLE", detail, { hint: "the model server failed; it is retried with backoff", retryable: true, cause: error });
    if (status === 401 || status === 403) return new AgentError("WFX_MODEL_AUTH", detail, { hint: "check OPENAI_API_KEY or the agent's api_key", cause: error });
    if (status === 404) return new AgentError("WFX_MODEL_NOT_FOUND", detail, { hint: "check the model name and that the base URL ends in /v1 (or the server's equivalent)", cause: error });
    return new AgentError("WFX_MODEL_BAD_REQUEST", detail, { hint: "the server refused the request; check the model supports tools / structured output", cause: error });
  }
  const message = error instanceof Error ? error.message : String(error);
  return new AgentError("WFX_MODEL_ERROR", `model call to ${where} failed: ${message}`, { hint: "see the cause", retryable: true, cause: error });
}
