import { createHash, timingSafeEqual } from "node:crypto";
import { readFileSync } from "node:fs";
import { parse as parseYaml } from "yaml";
import { z } from "zod";
import { GatewayError, UnauthenticatedError } from "../errors.js";
import { LOCAL_PRINCIPAL, SCOPES, type Principal, type Scope } from "./principal.js";
import { given } from "../../present.js";

const MIN_TOKEN_LENGTH = 16;

const TokenEntrySchema = z
  .strictObject({
    id: z.string().min(1),
    token: z.string().min(MIN_TOKEN_LENGTH, { error: `tokens must be at least ${MIN_TOKEN_LENGTH} characters` }).optional(),
    token_sha256: z.string().regex(/^[0-9a-f]{64}$/i, { error: "token_sha256 must be 64 hex digits (sha256 of the token)" }).optional(),
    scopes: z.array(z.enum(SCOPES)).min(1),
    workflows: z.array(z.string().min(1)).optional(),
    tags: z.array(z.string().min(1)).optional(),
    tenant: z.string().min(1).optional(),
    /** Executions the token may have running at once; default: half the node's --max-concurrent (at least 1). */
    max_running: z.number().int().min(1).optional(),
    /** Watches (SSE streams, gRPC watches, watch_execution waits) the token may hold open at once; default 100. */
    max_watchers: z.number().int().min(1).optional(),
    /** The highest priority (0-9) the token's executions may ask for; a request above it is lowered to it. */
    max_priority: z.number().int().min(0).max(9).optional(),
    /** Executions the token may have waiting in the queue at once; one more is refused WFX_TOKEN_QUEUE_FULL. */
    max_queued: z.number().int().min(0).optional(),
  })
  .refine((t) => (t.token === undefined) !== (t.token_sha256 === undefined), { error: "give exactly one of token or token_sha256" });

const TokenListSchema = z.array(TokenEntrySchema);
const TokenFileSchema = z.strictObject({ tokens: TokenListSchema });

export type TokenEntry = z.infer<typeof TokenEntrySchema>;

interface StoredToken {
  hash: Buffer;
  principal: Principal;
}

function limit<K extends keyof TokenLimitDefaults>(key: K, value: number | undefined): Partial<Record<K, number>> {
  return value === undefined ? {} : ({ [key]: value } as Partial<Record<K, number>>);
}

function sha256(text: string): Buffer {
  return createHash("sha256").update(text, "utf8").digest();
}

/** Parses token entries from YAML or JSON text (a list, or `{tokens: [...]}`); `origin` names the source in errors. */
export function parseTokens(text: string, origin: string): TokenEntry[] {
  let data: unknown;
  try {
    data = parseYaml(text);
  } catch (error) {
    throw new GatewayError("WFX_TOKENS_INVALID", `${origin} is not valid YAML or JSON: ${(error as Error).message}`, { hint: "write a list of {id, token, scopes}" });
  }
  const parsed = Array.isArray(data) ? TokenListSchema.safeParse(data) : TokenFileSchema.safeParse(data);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    throw new GatewayError("WFX_TOKENS_INVALID", `${origin}: ${issue.path.join(".") || "(root)"}: ${issue.message}`, {
      hint: `a list (or {tokens: [...]}) of {id, token | token_sha256, scopes: [${SCOPES.join(", ")}], workflows?, tags?, tenant?, max_running?, max_watchers?, max_priority?, max_queued?}`,
    });
  }
  const entries = Array.isArray(parsed.data) ? parsed.data : parsed.data.tokens;
  requireUniqueIds(entries, origin);
  return entries;
}

/** An id is who started an execution: two tokens under one id would read and cancel each other's. */
function requireUniqueIds(entries: readonly TokenEntry[], origin: string): void {
  const ids = new Set<string>();
  for (const entry of entries) {
    if (ids.has(entry.id)) throw new GatewayError("WFX_TOKENS_INVALID", `${origin}: duplicate token id '${entry.id}'`, { hint: "ids name tokens in the audit log and own executions; make them unique" });
    ids.add(entry.id);
  }
}

/** Reads tokens from a file and/or the text of WFX_TOKENS. */
export function loadTokens(options: { file?: string; envText?: string }): TokenEntry[] {
  const entries: TokenEntry[] = [];
  if (options.file !== undefined) {
    let text: string;
    try {
      text = readFileSync(options.file, "utf8");
    } catch (error) {
      throw new GatewayError("WFX_TOKENS_INVALID", `cannot read token file ${options.file}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`, { hint: "check --tokens FILE" });
    }
    entries.push(...parseTokens(text, options.file));
  }
  if (options.envText !== undefined && options.envText.trim() !== "") entries.push(...parseTokens(options.envText, "WFX_TOKENS"));
  if (options.file !== undefined) requireUniqueIds(entries, `${options.file} and WFX_TOKENS`);
  return entries;
}

/** What a token entry that sets no `max_running` / `max_watchers` may hold (the node's defaults); unset: no limit. */
export interface TokenLimitDefaults {
  maxRunning?: number;
  maxWatchers?: number;
}

/** Checks bearer tokens in constant time (every stored hash is compared, whatever matched) and returns who it is. */
export class TokenStore {
  readonly #tokens: StoredToken[];

  constructor(entries: readonly TokenEntry[], defaults: TokenLimitDefaults = {}) {
    this.#tokens = entries.map((e) => ({
      hash: e.token !== undefined ? sha256(e.token) : Buffer.from(e.token_sha256!, "hex"),
      principal: Object.freeze({
        id: e.id,
        scopes: new Set<Scope>(e.scopes),
        ...(e.workflows === undefined ? {} : { workflows: Object.freeze([...e.workflows]) }),
        ...(e.tags === undefined ? {} : { tags: Object.freeze([...e.tags]) }),
        ...given({ tenant: e.tenant }),
        ...limit("maxRunning", e.max_running ?? defaults.maxRunning),
        // The node's default is a share of one node's slots; a token's own max_running holds across the cluster.
        ...(e.max_running === undefined && defaults.maxRunning !== undefined ? { maxRunningPerNode: true as const } : {}),
        ...limit("maxWatchers", e.max_watchers ?? defaults.maxWatchers),
        ...given({ maxPriority: e.max_priority, maxQueued: e.max_queued }),
      }),
    }));
  }

  /** No tokens configured: every caller is the local user (and the node listens on loopback only). */
  get open(): boolean {
    return this.#tokens.length === 0;
  }

  /** `authorization` is the raw header value (`Bearer …`); throws UnauthenticatedError when it matches nothing. */
  authenticate(authorization: string | undefined): Principal {
    if (this.open) return LOCAL_PRINCIPAL;
    if (authorization === undefined || authorization === "") throw new UnauthenticatedError("missing bearer token");
    const match = /^Bearer\s+(\S+)\s*$/i.exec(authorization);
    if (!match) throw new UnauthenticatedError("the Authorization header is not `Bearer <token>`");
    const presented = sha256(match[1]!);
    let found: Principal | undefined;
    for (const token of this.#tokens) {
      if (timingSafeEqual(presented, token.hash) && found === undefined) found = token.principal;
    }
    if (found === undefined) throw new UnauthenticatedError("unknown bearer token");
    return found;
  }
}
