import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { setTimeout as sleep } from "node:timers/promises";

/** One reply of the scripted model: text, tool calls, or an HTTP error. */
export interface ModelTurn {
  content?: string;
  toolCalls?: { name: string; arguments: unknown; id?: string }[];
  /** Answer with this HTTP status and an OpenAI-style error body instead. */
  status?: number;
  /** The error body's message, with `status` (default `scripted <status>`). */
  message?: string;
  headers?: Record<string, string>;
  /** Streaming: characters per chunk and the pause between chunks. */
  chunkSize?: number;
  chunkDelayMs?: number;
  /** Tokens to report for this reply (default 1 + 1); `"none"`: an answer without `usage`, as some servers send. */
  usage?: { prompt_tokens: number; completion_tokens: number } | "none";
}

export interface ChatBody {
  model: string;
  stream?: boolean;
  stream_options?: { include_usage?: boolean };
  messages: { role: string; content?: string | null; tool_calls?: { id: string; function: { name: string; arguments: string } }[]; tool_call_id?: string }[];
  tools?: { type: string; function: { name: string; description?: string; parameters?: unknown } }[];
  response_format?: { type: string; json_schema?: { name: string; schema: unknown } };
}

export interface RecordedRequest {
  body: ChatBody;
  headers: IncomingMessage["headers"];
  /** The client went away before the reply was finished (a cancelled request). */
  aborted: boolean;
  finished: boolean;
}

export type ModelScript = (body: ChatBody, call: number) => ModelTurn | Promise<ModelTurn>;

/** What the server has reported in `usage` so far, summed, and how many answers carried none. */
export interface ReportedUsage {
  prompt_tokens: number;
  completion_tokens: number;
  total_tokens: number;
  answers: number;
  without_usage: number;
}

export interface ModelServer {
  /** Ends in `/v1`, as OPENAI_BASE_URL does. */
  baseURL: string;
  requests: RecordedRequest[];
  reported: ReportedUsage;
  script: ModelScript;
  /** An env naming this server, as a runtime or validation would receive it. */
  env: Record<string, string>;
  close(): Promise<void>;
}

/** An environment naming no model (for a child process that would otherwise inherit one): generators plan from templates. */
export const NO_MODEL_ENV: Readonly<Record<string, string>> = { OPENAI_BASE_URL: "", OPENAI_API_KEY: "", WFX_GENERATOR_MODEL: "" };

/** The text of the last message with `role`. */
export function lastOf(body: ChatBody, role: string): string {
  for (let i = body.messages.length - 1; i >= 0; i--) if (body.messages[i]!.role === role) return body.messages[i]!.content ?? "";
  return "";
}

/** Which agent a request comes from: the `You are <id>` system prompt the runtime writes when the agent has none. */
export function agentOf(body: ChatBody): string {
  return /You are ([A-Za-z0-9_-]+)/.exec(lastOf(body, "system"))?.[1] ?? "agent";
}

/** The default script: every agent answers with its name and the start of its input. */
export const echoScript = (body: ChatBody, _call?: number): ModelTurn => ({ content: `${agentOf(body)} handled: ${lastOf(body, "user").slice(0, 80)}` });

function chunk(id: string, model: string, delta: unknown, finish: string | null): string {
  return `data: ${JSON.stringify({ id, object: "chat.completion.chunk", created: 0, model, choices: [{ index: 0, delta, finish_reason: finish }] })}\n\n`;
}

/** The usage object a reply carries (undefined: none), counted into `reported` as it is sent. */
function usageFor(turn: ModelTurn, reported: ReportedUsage, wanted: boolean): { prompt_tokens: number; completion_tokens: number; total_tokens: number } | undefined {
  reported.answers += 1;
  if (!wanted || turn.usage === "none") {
    reported.without_usage += 1;
    return undefined;
  }
  const { prompt_tokens, completion_tokens } = turn.usage ?? { prompt_tokens: 1, completion_tokens: 1 };
  reported.prompt_tokens += prompt_tokens;
  reported.completion_tokens += completion_tokens;
  reported.total_tokens += prompt_tokens + completion_tokens;
  return { prompt_tokens, completion_tokens, total_tokens: prompt_tokens + completion_tokens };
}

async function reply(res: ServerResponse, body: ChatBody, turn: ModelTurn, record: RecordedRequest, n: number, reported: ReportedUsage): Promise<void> {
  if (turn.status !== undefined && turn.status >= 400) {
    res.writeHead(turn.status, { "content-type": "application/json", ...turn.headers });
    res.end(JSON.stringify({ error: { message: turn.message ?? `scripted ${turn.status}`, type: "scripted", code: null } }));
    return;
  }
  const id = `chatcmpl-${n}`;
  const calls = (turn.toolCalls ?? []).map((c, i) => ({ id: c.id ?? `call_${n}_${i}`, type: "function", function: { name: c.name, arguments: typeof c.arguments === "string" ? c.arguments : JSON.stringify(c.arguments) } }));
  const finish = calls.length > 0 ? "tool_calls" : "stop";
  if (!body.stream) {
    const message = { role: "assistant", content: turn.content ?? (calls.length > 0 ? null : ""), ...(calls.length > 0 ? { tool_calls: calls } : {}) };
    res.writeHead(200, { "content-type": "application/json", ...turn.headers });
    const usage = usageFor(turn, reported, true);
    res.end(JSON.stringify({ id, object: "chat.completion", created: 0, model: body.model, choices: [{ index: 0, message, finish_reason: finish }], ...(usage === undefined ? {} : { usage }) }));
    return;
  }
  res.writeHead(200, { "content-type": "text/event-stream", "cache-control": "no-cache", ...turn.headers });
  res.write(chunk(id, body.model, { role: "assistant", content: "" }, null));
  const text = turn.content ?? "";
  const size = turn.chunkSize ?? 4;
  for (let i = 0; i < text.length && !record.aborted; i += size) {
    res.write(chunk(id, body.model, { content: text.slice(i, i + size) }, null));
    if (turn.chunkDelayMs) await sleep(turn.chunkDelayMs);
  }
  calls.forEach((call, index) => {
    const args = call.function.arguments;
    const half = Math.ceil(args.length / 2);
    res.write(chunk(id, body.model, { tool_calls: [{ index, id: call.id, type: "function", function: { name: call.function.name, arguments: args.slice(0, half) } }] }, null));
    res.write(chunk(id, body.model, { tool_calls: [{ index, function: { arguments: args.slice(half) } }] }, null));
  });
  if (record.aborted) return;
  res.write(chunk(id, body.model, {}, finish));
  // As OpenAI does: asked for with stream_options.include_usage, one last chunk with no choices carries the usage.
  const usage = usageFor(turn, reported, body.stream_options?.include_usage === true);
  if (usage !== undefined) res.write(`data: ${JSON.stringify({ id, object: "chat.completion.chunk", created: 0, model: body.model, choices: [], usage })}\n\n`);
  res.end("data: [DONE]\n\n");
}

/** A loopback server speaking the chat-completions protocol (JSON and SSE streaming), answering from a script. */
export async function startModelServer(script: ModelScript = echoScript): Promise<ModelServer> {
  const requests: RecordedRequest[] = [];
  const server = createServer((req, res) => {
    if (req.method !== "POST" || !req.url?.endsWith("/chat/completions")) {
      res.writeHead(404, { "content-type": "application/json" }).end(JSON.stringify({ error: { message: `no route ${req.method} ${req.url}` } }));
      return;
    }
    let raw = "";
    req.on("data", (d) => (raw += d));
    req.on("end", () => {
      const body = JSON.parse(raw) as ChatBody;
      const record: RecordedRequest = { body, headers: req.headers, aborted: false, finished: false };
      requests.push(record);
      res.on("close", () => {
        if (!res.writableFinished) record.aborted = true;
      });
      const n = requests.length;
      void Promise.resolve()
        .then(() => model.script(body, n))
        .then((turn) => reply(res, body, turn, record, n, model.reported))
        .then(() => (record.finished = !record.aborted))
        .catch((error: Error) => {
          if (!res.headersSent) res.writeHead(500, { "content-type": "application/json" });
          res.end(JSON.stringify({ error: { message: `script failed: ${error.message}` } }));
        });
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  const baseURL = `http://127.0.0.1:${port}/v1`;
  const model: ModelServer = {
    baseURL,
    requests,
    reported: { prompt_tokens: 0, completion_tokens: 0, total_tokens: 0, answers: 0, without_usage: 0 },
    script,
    env: { OPENAI_BASE_URL: baseURL, OPENAI_MODEL: "loopback-model" },
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
  return model;
}
