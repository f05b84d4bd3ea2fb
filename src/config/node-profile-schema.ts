import { z } from "zod";
import { CallerPolicySchema } from "./caller-policy.js";
import { ModelLimitsSchema } from "./model-limits.js";
import { PriceTableSchema } from "./price-table.js";

/** Every default of a node profile; the schema below and the resolver read them from here only. */
export const NODE_PROFILE_DEFAULTS = Object.freeze({
  capacity: Object.freeze({ executions: 64, steps: 256, queued: 10_000 }),
  httpPort: 4020,
  grpcPort: 50051,
  mcpPath: "/mcp",
  natsUrl: "nats://127.0.0.1:4222",
  /** 1 s beats, down after 3 missed: a dead node is seen within 3 s. */
  heartbeat: Object.freeze({ interval_ms: 1000, missed_beats_down: 3 }),
  /** How long work waits for a node that fits before failing with WFX_NO_FEASIBLE_NODE. */
  placementTimeoutS: 300,
});

/** Node ids travel as NATS subject tokens and $SRV ids, so they keep to `^[A-Za-z0-9_-]+$`. */
export const NODE_ID_PATTERN = /^[A-Za-z0-9_-]+$/;
/** Tags and resource names; no spaces or commas (WFX_NODE_TAGS separates with commas). */
export const NODE_TAG_PATTERN = /^[A-Za-z0-9_][A-Za-z0-9_.:-]*$/;

const invalid = { params: { code: "WFX_INVALID_VALUE" } };
const Tag = z.string().regex(NODE_TAG_PATTERN, { error: "tags and resource names use letters, digits, '_', '-', '.' and ':'" });
const Port = z.number().int().min(0).max(65535);
const Path = z.string().min(1);

function validNatsUrl(text: string): boolean {
  try {
    return ["nats:", "tls:", "ws:", "wss:"].includes(new URL(text.includes("://") ? text : `nats://${text}`).protocol);
  } catch {
    return false;
  }
}

const NatsUrl = z.string().refine(validNatsUrl, { error: "a NATS URL is nats://host:port (or tls://, ws://, wss://, or host:port)", ...invalid });

const NatsSchema = z.strictObject({
  /** One server, or several of one cluster. */
  url: z.preprocess((v) => (typeof v === "string" ? [v] : v), z.array(NatsUrl).min(1)).default([NODE_PROFILE_DEFAULTS.natsUrl]),
  user: Path.optional(),
  password: Path.optional(),
  token: Path.optional(),
  /** A `.creds` file (JWT and NKey seed), as `nsc` writes it. */
  creds_file: Path.optional(),
  tls: z.strictObject({ ca: Path.optional(), cert: Path.optional(), key: Path.optional() }).optional(),
});

const GatewaysSchema = z.preprocess(
  (v) => (v === "none" ? {} : v),
  z.strictObject({
    http: z.strictObject({ port: Port.default(NODE_PROFILE_DEFAULTS.httpPort), host: z.string().min(1).optional() }).optional(),
    grpc: z.strictObject({ port: Port.default(NODE_PROFILE_DEFAULTS.grpcPort) }).optional(),
    /** MCP's path on the http gateway (default /mcp when http is served). */
    mcp: z.string().startsWith("/", { error: "an MCP path starts with '/'" }).optional(),
  }),
);

/** A `nodes/*.yaml` file: what a node offers, which gateways it serves and how it joins the cluster (no `nats`: alone). */
export const NodeProfileFileSchema = z
  .strictObject({
    id: z.string().regex(NODE_ID_PATTERN, { error: "a node id uses letters, digits, '_' and '-'" }).optional(),
    tags: z.array(Tag).default([]),
    resources: z.record(Tag, z.number().positive()).default({}),
    capacity: z.strictObject({ executions: z.number().int().min(0).default(NODE_PROFILE_DEFAULTS.capacity.executions), steps: z.number().int().min(0).default(NODE_PROFILE_DEFAULTS.capacity.steps), queued: z.number().int().min(0).default(NODE_PROFILE_DEFAULTS.capacity.queued) }).prefault({}),
    gateways: GatewaysSchema.prefault({ http: {}, grpc: {} }),
    nats: NatsSchema.optional(),
    heartbeat: z
      .strictObject({ interval_ms: z.number().int().min(100).max(60_000).default(NODE_PROFILE_DEFAULTS.heartbeat.interval_ms), missed_beats_down: z.number().int().min(1).max(100).default(NODE_PROFILE_DEFAULTS.heartbeat.missed_beats_down) })
      .prefault({}),
    placement_timeout_s: z.number().positive().default(NODE_PROFILE_DEFAULTS.placementTimeoutS),
    caller_policy: CallerPolicySchema.prefault({}),
    /** Model name -> {prompt_per_1k, completion_per_1k, currency}: records show an estimated cost from it. */
    prices: PriceTableSchema.default({}),
    /** Tag -> how many steps asking for it (`placement: {tags: [...]}`) run at once in the whole cluster. */
    limits: z.record(Tag, z.number().int().min(1)).default({}),
    /** What the cluster together may send each model endpoint: requests and tokens per minute. */
    model_limits: ModelLimitsSchema.default([]),
  })
  .superRefine((p, ctx) => {
    const problem = (path: (string | number)[], message: string, code = "WFX_INVALID_VALUE") => ctx.addIssue({ code: "custom", path, message, params: { code } });
    const { http, grpc, mcp } = p.gateways;
    if (mcp !== undefined && http === undefined) problem(["gateways", "mcp"], "MCP is served on the http gateway, and this profile serves no http");
    if (http !== undefined && grpc !== undefined && http.port === grpc.port && http.port !== 0) problem(["gateways", "grpc", "port"], `http and grpc cannot share port ${http.port}`);
    if (p.nats === undefined) {
      if (http === undefined && grpc === undefined) problem(["gateways"], "a node without nats and without gateways can be reached by nothing");
      for (const slot of ["executions", "steps"] as const) {
        if (p.capacity[slot] === 0) problem(["capacity", slot], `a node without nats runs all its work itself, so capacity.${slot} must be at least 1`);
      }
      return;
    }
    const { user, password, token, creds_file, tls } = p.nats;
    if ((user === undefined) !== (password === undefined)) problem(["nats", user === undefined ? "user" : "password"], `nats.${user === undefined ? "user" : "password"} is missing: user and password go together`, "WFX_MISSING_FIELD");
    const methods = [user === undefined ? [] : [["user/password", "user"]], token === undefined ? [] : [["token", "token"]], creds_file === undefined ? [] : [["creds_file", "creds_file"]]].flat();
    if (methods.length > 1) problem(["nats", methods.at(-1)![1]!], `nats has ${methods.map(([name]) => name).join(" and ")}: use one way to authenticate`);
    if (tls !== undefined && (tls.cert === undefined) !== (tls.key === undefined)) problem(["nats", "tls", tls.cert === undefined ? "cert" : "key"], "a TLS client certificate needs both cert and key", "WFX_MISSING_FIELD");
  });
export type NodeProfileFile = z.infer<typeof NodeProfileFileSchema>;

/** How to write each field, offered when its value is missing or malformed. */
export const NODE_PROFILE_HINTS: Readonly<Record<string, string>> = Object.freeze({
  id: "a node id uses letters, digits, '_' and '-', e.g. id: gpu-worker-1 (leave it out for hostname plus a random suffix)",
  tags: "list tags: tags: [gpu, eu]",
  resources: "map resource names to amounts: resources: { gpu: 2, memory_gb: 64 }",
  capacity: "write capacity: { executions: 64, steps: 256 }",
  executions: "executions is how many executions this node supervises at once, a whole number (0: none)",
  steps: "steps is how many steps this node runs at once, a whole number (0: none)",
  gateways: "write gateways: none, or { http: { port: 4020 }, grpc: { port: 50051 }, mcp: /mcp }",
  http: "write http: { port: 4020, host: 0.0.0.0 }",
  grpc: "write grpc: { port: 50051 }",
  port: "a port is a whole number from 0 (any free port) to 65535",
  mcp: "write mcp: /mcp, and serve http: MCP rides on it",
  nats: "write nats: { url: nats://nats:4222 }, with user and password, token or creds_file",
  url: "write url: nats://nats:4222, or a list of the cluster's servers",
  user: "user and password go together: nats: { user: wfx, password: ... } (or WFX_NATS_USER and WFX_NATS_PASSWORD)",
  password: "user and password go together: nats: { user: wfx, password: ... } (or WFX_NATS_USER and WFX_NATS_PASSWORD)",
  token: "authenticate one way: user and password, token or creds_file (or WFX_NATS_TOKEN)",
  creds_file: "authenticate one way: user and password, token or creds_file (or WFX_NATS_CREDS)",
  ca: "ca is the path of a PEM file with the CA that signed the NATS servers' certificates",
  tls: "write tls: { ca: ca.pem, cert: client.pem, key: client-key.pem }",
  cert: "a client certificate needs both cert and key",
  key: "a client certificate needs both cert and key",
  heartbeat: "write heartbeat: { interval_ms: 1000, missed_beats_down: 3 }",
  interval_ms: "interval_ms is the time between beats in milliseconds, from 100 to 60000",
  missed_beats_down: "missed_beats_down is how many beats may be missed before the node counts as down, from 1 to 100",
  placement_timeout_s: "placement_timeout_s is how long work waits for a node that fits, in seconds, e.g. 300",
  caller_policy: "caller_policy takes tool_types, http_hosts, mcp_servers (URLs) and model_endpoints (URLs), each a list, and max_budget",
  prices: "map model names to prices per 1,000 tokens: prices: { gpt-4o-mini: { prompt_per_1k: 0.00015, completion_per_1k: 0.0006, currency: USD } }",
  prompt_per_1k: "prompt_per_1k is the price of 1,000 prompt tokens, a number of at least 0",
  completion_per_1k: "completion_per_1k is the price of 1,000 completion tokens, a number of at least 0",
  currency: "currency is a three-letter code such as USD or EUR",
  limits: "map tags to how many steps asking for them run at once in the whole cluster: limits: { gpu: 4 } (or WFX_CLUSTER_LIMITS=gpu=4)",
  model_limits: "list limits: model_limits: [{ endpoint: https://api.openai.com/v1, model: gpt-4o-mini, requests_per_minute: 500, tokens_per_minute: 200000 }]",
  endpoint: "endpoint is the model server's base URL, as agents call it, e.g. endpoint: https://api.openai.com/v1",
  model: "model names one model of the endpoint; leave it out for one limit over all its models",
  requests_per_minute: "requests_per_minute is how many model calls the whole cluster may send per minute, a number above 0",
  tokens_per_minute: "tokens_per_minute is how many tokens (prompt + completion) the whole cluster may spend per minute, a number above 0",
  burst_s: "burst_s is how many seconds of the limit may be spent at once, from 1 to 60 (default 10)",
});
