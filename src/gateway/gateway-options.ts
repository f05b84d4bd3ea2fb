import { defaultCallerPolicy, parseCallerPolicy, type CallerPolicy, type ModelLimit, type PriceTable } from "../config/index.js";
import { DEFAULT_IDEMPOTENCY_WINDOW_MS, DEFAULT_LIMITS, type ResumePolicy } from "../engine/internal.js";
import { GatewayError } from "./errors.js";
import { LOOPBACK_HOSTNAMES } from "./http/host-guard.js";

export interface GatewayOptions {
  nodeId: string | undefined;
  tags: readonly string[];
  /** Where records and events are kept (embedded store); undefined = $WFX_DATA_DIR or ~/.wfx/data. */
  dataDir: string | undefined;
  /** Folders `workflow_name` is looked up in (--workflows DIR, repeatable, or WFX_WORKFLOWS). */
  workflowDirs: readonly string[];
  /** Interface to listen on; undefined = 0.0.0.0 with tokens, 127.0.0.1 without (and nothing else is allowed then). */
  host: string | undefined;
  http: boolean;
  httpPort: number;
  grpc: boolean;
  grpcPort: number;
  mcpPath: string;
  tokensFile: string | undefined;
  /** The text of WFX_TOKENS (YAML or JSON), if set. */
  tokensText: string | undefined;
  tlsCertFile: string | undefined;
  tlsKeyFile: string | undefined;
  maxConcurrentExecutions: number;
  /** Executions one token may run at once when its entry sets no `max_running`; undefined: half maxConcurrentExecutions (at least 1). */
  maxRunningPerToken: number | undefined;
  /** Open watches (SSE, gRPC watches, watch_execution waits) the node holds in all: well below its open-file limit. */
  maxWatchers: number;
  /** Executions that may wait for a slot at once; past it a request is refused WFX_QUEUE_FULL (`--max-queued`). */
  maxQueued: number;
  /** Open watches one token may hold when its entry sets no `max_watchers`. */
  maxWatchersPerToken: number;
  /** Seconds an execution may run when neither the request nor its workflow sets a timeout (a runtime passed in brings its own). */
  defaultTimeoutS: number;
  /** Step actors one execution may start in all, for_each iterations and nested sub-workflow steps included (a runtime passed in brings its own). */
  maxStepsPerExecution: number;
  /** false: a gateway-only node, announcing capacity 0 so placement sends every execution to a worker. */
  supervisesExecutions: boolean;
  maxBodyBytes: number;
  /** 2025-era MCP sessions the node holds in all, and per token (so one token cannot fill the node). */
  mcpMaxSessions: number;
  mcpMaxSessionsPerToken: number;
  grpcMaxMessageBytes: number;
  /** How long SIGTERM waits for sync calls before cancelling what still runs. */
  shutdownGraceMs: number;
  /** Extra Host names accepted (the loopback names always are when listening on loopback). */
  allowedHosts: readonly string[];
  /** Browser origins (`https://app.example.com`, scheme, host and port) allowed to call besides the node's own pages. */
  allowedOrigins: readonly string[];
  /** Folder that inline and generated workflows run in; default: `<dataDir>/inline`. */
  sandboxDir: string | undefined;
  /** Executions whose process died sharing this node's store: continued from their events (`resume`) or ended failed. */
  resumePolicy: ResumePolicy;
  /** How often to look for such executions after the startup scan (0: only at startup). */
  orphanScanMs: number;
  /** How long an execute request's idempotency key names the execution it started (across restarts: it is in the store). */
  idempotencyWindowMs: number;
  /** What workflows callers send may declare; deny by default (a runtime passed in brings its own). */
  callerPolicy: CallerPolicy;
  /** Model prices from the node profile: records show an estimated cost (a runtime passed in brings its own). */
  prices: PriceTable;
  /** Limits of model endpoints from the node profile (or WFX_MODEL_LIMITS): a member shares them with its cluster. */
  modelLimits: readonly ModelLimit[];
  /** Where the audit log goes: a file, or stderr beside the node's log; either way every entry, whatever `logLevel` says. */
  auditLogFile: string | undefined;
  logLevel: string;
  /** A trace viewer's address with `{trace_id}` (--trace-url-template, WFX_TRACE_URL_TEMPLATE): the dashboard links each execution's trace. */
  traceUrlTemplate: string | undefined;
  /** A port serving /health and /ready only, without auth, for the kubelet (--probe-port, WFX_PROBE_PORT); undefined: none. */
  probePort: number | undefined;
  /** The probe port's interface (--probe-host, WFX_PROBE_HOST): all of them by default, as the kubelet reaches the pod IP. */
  probeHost: string;
}

export function defaultGatewayOptions(): GatewayOptions {
  return {
    nodeId: undefined,
    tags: [],
    dataDir: undefined,
    workflowDirs: [],
    host: undefined,
    http: true,
    httpPort: 4020,
    grpc: true,
    grpcPort: 50051,
    mcpPath: "/mcp",
    tokensFile: undefined,
    tokensText: undefined,
    tlsCertFile: undefined,
    tlsKeyFile: undefined,
    maxConcurrentExecutions: 64,
    maxRunningPerToken: undefined,
    maxWatchers: 4096,
    maxQueued: 10_000,
    maxWatchersPerToken: 100,
    defaultTimeoutS: 3600,
    maxStepsPerExecution: DEFAULT_LIMITS.maxStepsPerExecution,
    supervisesExecutions: true,
    maxBodyBytes: 4 * 1024 * 1024,
    mcpMaxSessions: 1000,
    mcpMaxSessionsPerToken: 32,
    grpcMaxMessageBytes: 4 * 1024 * 1024,
    shutdownGraceMs: 30_000,
    allowedHosts: [],
    allowedOrigins: [],
    sandboxDir: undefined,
    callerPolicy: defaultCallerPolicy(),
    prices: {},
    modelLimits: [],
    resumePolicy: "resume",
    orphanScanMs: 2000,
    idempotencyWindowMs: DEFAULT_IDEMPOTENCY_WINDOW_MS,
    auditLogFile: undefined,
    logLevel: "info",
    traceUrlTemplate: undefined,
    probePort: undefined,
    probeHost: "0.0.0.0",
  };
}

/** A whole number from the environment, or a clear error naming the variable. */
function envInteger(env: Record<string, string | undefined>, name: string, min: number): number | undefined {
  const raw = env[name];
  if (raw === undefined || raw === "") return undefined;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < min) throw new GatewayError("WFX_GATEWAY_CONFIG", `${name} must be an integer >= ${min}, got '${raw}'`, { hint: `unset ${name} for its default, or set a whole number` });
  return n;
}

/**
 * Options from the environment: WFX_WORKFLOWS (path list), WFX_TOKENS, WFX_DATA_DIR, WFX_LOG_LEVEL, WFX_CALLER_POLICY
 * (YAML), WFX_DEFAULT_TIMEOUT (seconds), WFX_MAX_STEPS_PER_EXECUTION, WFX_MAX_WATCHERS, WFX_PROBE_PORT, WFX_PROBE_HOST.
 * (YAML), WFX_DEFAULT_TIMEOUT (seconds), WFX_MAX_STEPS_PER_EXECUTION, WFX_MAX_WATCHERS, WFX_MAX_QUEUED.
 */
export function gatewayOptionsFromEnv(env: Record<string, string | undefined>): Partial<GatewayOptions> {
  const out: Partial<GatewayOptions> = {};
  const defaultTimeoutS = envInteger(env, "WFX_DEFAULT_TIMEOUT", 1);
  if (defaultTimeoutS !== undefined) out.defaultTimeoutS = defaultTimeoutS;
  const maxSteps = envInteger(env, "WFX_MAX_STEPS_PER_EXECUTION", 1);
  if (maxSteps !== undefined) out.maxStepsPerExecution = maxSteps;
  const maxWatchers = envInteger(env, "WFX_MAX_WATCHERS", 1);
  if (maxWatchers !== undefined) out.maxWatchers = maxWatchers;
  const probePort = envInteger(env, "WFX_PROBE_PORT", 1);
  if (probePort !== undefined) out.probePort = probePort;
  if (env["WFX_PROBE_HOST"]) out.probeHost = env["WFX_PROBE_HOST"];
  const maxQueued = envInteger(env, "WFX_MAX_QUEUED", 0);
  if (maxQueued !== undefined) out.maxQueued = maxQueued;
  if (env["WFX_WORKFLOWS"]) out.workflowDirs = env["WFX_WORKFLOWS"].split(":").filter((d) => d !== "");
  if (env["WFX_TOKENS"]) out.tokensText = env["WFX_TOKENS"];
  if (env["WFX_DATA_DIR"]) out.dataDir = env["WFX_DATA_DIR"];
  if (env["WFX_LOG_LEVEL"]) out.logLevel = env["WFX_LOG_LEVEL"];
  if (env["WFX_RESUME_POLICY"]) out.resumePolicy = env["WFX_RESUME_POLICY"] as ResumePolicy;
  if (env["WFX_TRACE_URL_TEMPLATE"]) out.traceUrlTemplate = env["WFX_TRACE_URL_TEMPLATE"];
  if (env["WFX_CALLER_POLICY"]) out.callerPolicy = parseCallerPolicy(env["WFX_CALLER_POLICY"], "WFX_CALLER_POLICY");
  return out;
}

export function isLoopback(host: string): boolean {
  return LOOPBACK_HOSTNAMES.includes(host) || host.startsWith("127.");
}

function positiveInteger(name: string, value: number, min = 1): void {
  if (!Number.isInteger(value) || value < min) throw new GatewayError("WFX_GATEWAY_CONFIG", `${name} must be an integer >= ${min}, got ${value}`);
}

/** Fills defaults, checks the options make sense together, and freezes them. */
export function resolveGatewayOptions(options: Partial<GatewayOptions>): Readonly<GatewayOptions> {
  const resolved: GatewayOptions = { ...defaultGatewayOptions() };
  for (const [key, value] of Object.entries(options)) if (value !== undefined) (resolved as unknown as Record<string, unknown>)[key] = value;
  positiveInteger("maxConcurrentExecutions", resolved.maxConcurrentExecutions);
  if (resolved.maxRunningPerToken !== undefined) positiveInteger("maxRunningPerToken", resolved.maxRunningPerToken);
  positiveInteger("maxWatchers", resolved.maxWatchers);
  positiveInteger("maxWatchersPerToken", resolved.maxWatchersPerToken);
  positiveInteger("maxStepsPerExecution", resolved.maxStepsPerExecution);
  if (!(resolved.defaultTimeoutS > 0) || !Number.isFinite(resolved.defaultTimeoutS)) throw new GatewayError("WFX_GATEWAY_CONFIG", `defaultTimeoutS must be a number of seconds > 0, got ${resolved.defaultTimeoutS}`, { hint: "pass --default-timeout SECONDS (default 3600)" });
  positiveInteger("maxBodyBytes", resolved.maxBodyBytes, 1024);
  positiveInteger("mcpMaxSessions", resolved.mcpMaxSessions);
  positiveInteger("mcpMaxSessionsPerToken", resolved.mcpMaxSessionsPerToken);
  positiveInteger("grpcMaxMessageBytes", resolved.grpcMaxMessageBytes, 1024);
  positiveInteger("httpPort", resolved.httpPort, 0);
  positiveInteger("grpcPort", resolved.grpcPort, 0);
  positiveInteger("shutdownGraceMs", resolved.shutdownGraceMs, 0);
  positiveInteger("orphanScanMs", resolved.orphanScanMs, 0);
  positiveInteger("idempotencyWindowMs", resolved.idempotencyWindowMs);
  if (resolved.resumePolicy !== "resume" && resolved.resumePolicy !== "fail") throw new GatewayError("WFX_GATEWAY_CONFIG", `the resume policy must be resume or fail, got '${String(resolved.resumePolicy)}'`, { hint: "pass --resume-policy resume (continue orphaned executions) or fail (end them failed)" });
  if ((resolved.tlsCertFile === undefined) !== (resolved.tlsKeyFile === undefined)) {
    throw new GatewayError("WFX_GATEWAY_CONFIG", "TLS needs both a certificate and a key file", { hint: "pass --tls-cert FILE and --tls-key FILE together" });
  }
  if (resolved.traceUrlTemplate !== undefined && !/^https?:\/\/.*\{trace_id\}/.test(resolved.traceUrlTemplate)) {
    throw new GatewayError("WFX_GATEWAY_CONFIG", `the trace URL template must be an http(s) address containing {trace_id}, got '${resolved.traceUrlTemplate}'`, { hint: "e.g. --trace-url-template 'https://jaeger.example/trace/{trace_id}'" });
  }
  if (resolved.probePort !== undefined && !(Number.isInteger(resolved.probePort) && resolved.probePort >= 1 && resolved.probePort <= 65535)) {
    throw new GatewayError("WFX_GATEWAY_CONFIG", `the probe port must be a whole number from 1 to 65535, got ${resolved.probePort}`, { hint: "pass --probe-port N (or WFX_PROBE_PORT=N), a fixed port the kubelet's httpGet probes name, e.g. 4021" });
  }
  if (resolved.probeHost.trim() === "") throw new GatewayError("WFX_GATEWAY_CONFIG", "the probe host is empty", { hint: "pass --probe-host H (or WFX_PROBE_HOST), e.g. 0.0.0.0 (the default: the kubelet reaches the pod IP)" });
  if (!resolved.mcpPath.startsWith("/")) throw new GatewayError("WFX_GATEWAY_CONFIG", `mcpPath must start with '/', got '${resolved.mcpPath}'`);
  resolved.maxRunningPerToken ??= Math.max(1, Math.floor(resolved.maxConcurrentExecutions / 2));
  return Object.freeze({ ...resolved, tags: Object.freeze([...resolved.tags]), workflowDirs: Object.freeze([...resolved.workflowDirs]) });
}
