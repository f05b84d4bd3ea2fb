import { z } from "zod";
import type { Response } from "undici";
import { CALLER_POLICY_SETTING } from "../config/index.js";
import { callerDenied, cancelled, throwIfAborted, ToolError } from "./errors.js";
import { parseHostEntry } from "./host-entry.js";
import { pinnedDispatcher } from "./network-guard.js";
import { secretHeaders } from "./tool-secrets.js";
import { parseToolSettings } from "./tool-settings.js";
import type { Tool, ToolCallContext, ToolFactory } from "./types.js";
import { given } from "../present.js";

export const httpArgsSchema = z.strictObject({
  method: z.enum(["GET", "POST"]).default("GET").describe("GET or POST"),
  url: z.string().min(1).describe("absolute URL, or a path relative to the tool's base_url"),
  query: z.record(z.string(), z.union([z.string(), z.number(), z.boolean()])).optional().describe("query parameters to add"),
  headers: z.record(z.string(), z.string()).optional().describe("extra request headers"),
  body: z.unknown().optional().describe("POST body: an object is sent as JSON, a string as text"),
});
export type HttpArgs = z.infer<typeof httpArgsSchema>;

const settingsSchema = z.strictObject({
  base_url: z.string().url().optional(),
  /** Hosts calls may reach: `example.com`, `*.example.com`, `host:port`, or `*` for any. */
  allow_hosts: z.array(z.string().min(1)).optional(),
  max_bytes: z.number().int().positive().optional(),
  max_redirects: z.number().int().min(0).max(20).optional(),
});

export interface HttpResult {
  status: number;
  url: string;
  content_type: string;
  body: unknown;
}

export const HTTP_DEFAULT_MAX_BYTES = 1024 * 1024;
const DEFAULT_TIMEOUT_S = 30;

interface HttpConfig {
  baseUrl: string | undefined;
  allowHosts: readonly string[];
  maxBytes: number;
  maxRedirects: number;
  timeoutMs: number;
  headers: Record<string, string>;
  env: Readonly<Record<string, string | undefined>>;
  /** For a workflow a caller sent: the operator's hosts, which bound the tool's own list and guard every address. */
  operatorHosts: readonly string[] | undefined;
}

/** Whether `url`'s host is on the list; entries may carry a port and a leading `*.` wildcard. */
export function hostAllowed(url: URL, allow: readonly string[]): boolean {
  const host = url.hostname.toLowerCase();
  const port = url.port || (url.protocol === "https:" ? "443" : "80");
  return allow.some((raw) => {
    if (raw === "*") return true;
    const entry = parseHostEntry(raw);
    if (entry.port !== undefined && entry.port !== port) return false;
    return entry.name.startsWith("*.") ? host.endsWith(entry.name.slice(1)) : host === entry.name;
  });
}

/** The built-in `http` tool: GET and POST to allowed hosts only, with a cap on the response size. */
export const httpToolFactory: ToolFactory = {
  type: "http",
  description: "Makes GET and POST requests to allowed hosts and returns status and body",
  create(definition, _baseDir, context) {
    const s = parseToolSettings(settingsSchema, definition, "http", "http settings are base_url, allow_hosts (list of hosts), max_bytes and max_redirects");
    const baseHost = s.base_url === undefined ? [] : [new URL(s.base_url).host];
    const timeout = typeof definition["timeout"] === "number" ? definition["timeout"] : DEFAULT_TIMEOUT_S;
    const config: HttpConfig = Object.freeze({
      baseUrl: s.base_url,
      allowHosts: Object.freeze(s.allow_hosts ?? baseHost),
      maxBytes: s.max_bytes ?? HTTP_DEFAULT_MAX_BYTES,
      maxRedirects: s.max_redirects ?? 5,
      timeoutMs: timeout * 1000,
      headers: (definition["headers"] as Record<string, string> | undefined) ?? {},
      env: context?.env ?? {},
      operatorHosts: context?.caller?.http_hosts,
    });
    return new HttpTool(definition.id, definition.description ?? httpToolFactory.description, config);
  },
};

class HttpTool implements Tool<HttpArgs> {
  readonly type = "http";
  readonly inputSchema = httpArgsSchema;

  constructor(
    readonly id: string,
    readonly description: string,
    readonly config: HttpConfig,
  ) {}

  async call(rawArgs: HttpArgs, ctx: ToolCallContext): Promise<HttpResult> {
    const args = httpArgsSchema.parse(rawArgs);
    throwIfAborted(ctx.signal, `http ${args.method}`);
    let url = this.#url(args);
    const timer = AbortSignal.timeout(this.config.timeoutMs);
    const signal = AbortSignal.any([ctx.signal, timer]);
    let method: string = args.method;
    let body = args.body === undefined || method === "GET" ? undefined : typeof args.body === "string" ? args.body : JSON.stringify(args.body);
    const headers: Record<string, string> = { ...secretHeaders(this.config.headers, this.config.env, this.id), ...args.headers };
    if (body !== undefined && typeof args.body !== "string") headers["content-type"] ??= "application/json";
    try {
      for (let hop = 0; ; hop++) {
        this.#checkHost(url);
        const dispatcher = this.config.operatorHosts === undefined ? undefined : await pinnedDispatcher(url, this.config.operatorHosts);
        try {
          const { fetch } = await import("undici");
          const response = await fetch(url, { method, headers, ...given({ body }), redirect: "manual", signal, ...given({ dispatcher }) });
          const location = response.headers.get("location");
          if (response.status >= 300 && response.status < 400 && location !== null) {
            await response.body?.cancel();
            if (hop >= this.config.maxRedirects) throw new ToolError("WFX_HTTP_FAILED", `more than ${this.config.maxRedirects} redirects from ${args.url}`, { hint: "call the final URL directly" });
            url = new URL(location, url);
            if (response.status === 303 || ((response.status === 301 || response.status === 302) && method === "POST")) {
              method = "GET";
              body = undefined;
            }
            continue;
          }
          const text = await readCapped(response, this.config.maxBytes, url);
          const contentType = response.headers.get("content-type") ?? "";
          if (response.status >= 400) {
            throw new ToolError("WFX_HTTP_STATUS", `${method} ${url.href} answered ${response.status}: ${text.slice(0, 300)}`, {
              hint: response.status >= 500 || response.status === 429 ? "the server failed; the step may retry" : "check the URL, headers and body",
              retryable: response.status >= 500 || response.status === 429,
            });
          }
          return { status: response.status, url: url.href, content_type: contentType, body: parseBody(text, contentType) };
        } finally {
          void dispatcher?.close();
        }
      }
    } catch (error) {
      if (error instanceof ToolError) throw error;
      if (ctx.signal.aborted) throw cancelled(ctx.signal, `http ${method}`);
      if (timer.aborted) throw new ToolError("WFX_HTTP_TIMEOUT", `${method} ${url.href} took longer than ${this.config.timeoutMs / 1000}s`, { hint: "raise the tool's timeout (seconds)", retryable: true });
      throw new ToolError("WFX_HTTP_FAILED", `${method} ${url.href} failed: ${(error as Error).message}`, { hint: "check the host is reachable", retryable: true, cause: error });
    }
  }

  #url(args: HttpArgs): URL {
    let url: URL;
    try {
      url = this.config.baseUrl === undefined ? new URL(args.url) : new URL(args.url, this.config.baseUrl.endsWith("/") ? this.config.baseUrl : `${this.config.baseUrl}/`);
    } catch {
      throw new ToolError("WFX_TOOL_BAD_ARGS", `'${args.url}' is not a URL${this.config.baseUrl === undefined ? " (this tool has no base_url for relative paths)" : ""}`, { hint: "pass an absolute http(s) URL" });
    }
    if (url.protocol !== "http:" && url.protocol !== "https:") throw new ToolError("WFX_TOOL_BAD_ARGS", `only http and https URLs are allowed, got ${url.protocol}`, { hint: "pass an http(s) URL" });
    for (const [key, value] of Object.entries(args.query ?? {})) url.searchParams.set(key, String(value));
    return url;
  }

  #checkHost(url: URL): void {
    const operator = this.config.operatorHosts;
    if (operator !== undefined && !hostAllowed(url, operator)) {
      throw callerDenied(`tool '${this.id}' may not call ${url.host}: the node's caller policy does not list it`, `hosts the operator grants callers: ${operator.join(", ") || "(none)"}; only the operator can add one (${CALLER_POLICY_SETTING.http_hosts})`);
    }
    if (hostAllowed(url, this.config.allowHosts)) return;
    throw new ToolError("WFX_HTTP_HOST_NOT_ALLOWED", `tool '${this.id}' may not call ${url.host}`, {
      hint: this.config.allowHosts.length === 0 ? "list the hosts it may call: settings: { allow_hosts: [api.example.com] } (or give it a base_url)" : `allowed hosts: ${this.config.allowHosts.join(", ")}; add ${url.host} to settings.allow_hosts`,
    });
  }
}

async function readCapped(response: Response, maxBytes: number, url: URL): Promise<string> {
  const declared = Number(response.headers.get("content-length") ?? Number.NaN);
  const tooLarge = (size: number) => new ToolError("WFX_HTTP_TOO_LARGE", `the response from ${url.href} is ${size} bytes or more, over the ${maxBytes}-byte cap`, { hint: "raise settings.max_bytes, or ask for less" });
  if (Number.isFinite(declared) && declared > maxBytes) {
    await response.body?.cancel();
    throw tooLarge(declared);
  }
  if (response.body === null) return "";
  const chunks: Uint8Array[] = [];
  let size = 0;
  const reader = response.body.getReader();
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.byteLength;
    if (size > maxBytes) {
      await reader.cancel();
      throw tooLarge(size);
    }
    chunks.push(value);
  }
  return Buffer.concat(chunks).toString("utf8");
}

function parseBody(text: string, contentType: string): unknown {
  if (!/json/i.test(contentType)) return text;
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}
