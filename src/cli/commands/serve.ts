import { statSync } from "node:fs";
import { defaultCallerPolicy, loadCallerPolicyFile, loadNodeProfile, resolveCallerPolicy, type CallerPolicy } from "../../config/index.js";
import { createLogger, startTracing } from "../../observability/index.js";
import { VERSION } from "../../gateway/version.js";
import { clusterFrom } from "./cluster-flags.js";
import { clusterOptionsOfProfile, envPortsOf, gatewayOptionsOfProfile } from "./profile-options.js";
import { cliGenerator } from "./generate.js";
import { gatewayOptionsFromEnv, type GatewayOptions } from "../../gateway/index.js";
import { ExecutorNode } from "../../node/index.js";
import { CliError } from "../cli-error.js";
import { EXIT } from "../exit-codes.js";
import type { Io } from "../io.js";
import type { ServeFlags } from "./serve-flags.js";
import { auditLoggerFor, logFormatOf } from "../log-format-flag.js";
import { serveBanner } from "../serve-banner.js";
import { given } from "../../present.js";

function integer(flags: ServeFlags, name: string, min: number): number | undefined {
  const raw = flags[name];
  if (raw === undefined) return undefined;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < min) throw new CliError(`--${name} must be an integer >= ${min}, got '${String(raw)}'`);
  return n;
}

const str = (v: unknown): string | undefined => (typeof v === "string" ? v : undefined);

/** `--caller-policy FILE` (else WFX_CALLER_POLICY) with the `--caller-*` flags over it: `--caller-tool-types` replaces, the others add. */
function callerPolicyFrom(flags: ServeFlags, fromEnv: CallerPolicy | undefined): CallerPolicy | undefined {
  const file = str(flags["caller-policy"]);
  const base = file === undefined ? fromEnv : loadCallerPolicyFile(file);
  const list = (name: string) => (flags[name] as string[] | undefined) ?? [];
  const types = str(flags["caller-tool-types"])?.split(",").map((t) => t.trim()).filter((t) => t !== "");
  const added = { http_hosts: list("caller-http-host"), mcp_servers: list("caller-mcp-server"), model_endpoints: list("caller-model-endpoint") };
  if (types === undefined && Object.values(added).every((l) => l.length === 0)) return base;
  const start = base ?? defaultCallerPolicy();
  return resolveCallerPolicy({
    tool_types: types ?? start.tool_types,
    http_hosts: [...start.http_hosts, ...added.http_hosts],
    mcp_servers: [...start.mcp_servers, ...added.mcp_servers],
    model_endpoints: [...start.model_endpoints, ...added.model_endpoints],
  }, "the --caller-* flags");
}

/** A workflow folder that is not there is a typo to say, not a node that starts serving nothing. */
function requireFolders(dirs: readonly string[]): void {
  for (const dir of dirs) {
    const found = statSync(dir, { throwIfNoEntry: false });
    if (found?.isDirectory()) continue;
    throw new CliError(found === undefined ? `no such workflow folder: ${dir}` : `${dir} is not a folder`, { hint: "--workflows DIR (or WFX_WORKFLOWS=dir1:dir2) names folders of workflow files; relative paths start from the current folder" });
  }
}

/** Environment first (WFX_WORKFLOWS, WFX_TOKENS, WFX_DATA_DIR, WFX_DEFAULT_TIMEOUT, …), flags over it. */
export function gatewayOptionsFrom(flags: ServeFlags, env: Record<string, string | undefined>): Partial<GatewayOptions> {
  const options: Partial<GatewayOptions> = gatewayOptionsFromEnv(env);
  const dirs = flags["workflows"] as string[] | undefined;
  if (dirs !== undefined && dirs.length > 0) options.workflowDirs = dirs;
  requireFolders(options.workflowDirs ?? []);
  const grace = flags["grace"] === undefined ? undefined : Number(flags["grace"]);
  if (grace !== undefined && !(grace >= 0)) throw new CliError(`--grace must be a number of seconds >= 0, got '${String(flags["grace"])}'`);
  const set = <K extends keyof GatewayOptions>(key: K, value: GatewayOptions[K] | undefined) => {
    if (value !== undefined) options[key] = value;
  };
  set("dataDir", str(flags["data-dir"]));
  set("host", str(flags["host"]));
  set("httpPort", integer(flags, "port", 0));
  set("grpcPort", integer(flags, "grpc-port", 0));
  set("probePort", integer(flags, "probe-port", 1));
  set("probeHost", str(flags["probe-host"]));
  set("tokensFile", str(flags["tokens"]));
  set("tlsCertFile", str(flags["tls-cert"]));
  set("tlsKeyFile", str(flags["tls-key"]));
  set("maxConcurrentExecutions", integer(flags, "max-concurrent", 1));
  set("maxWatchers", integer(flags, "max-watchers", 1));
  set("maxQueued", integer(flags, "max-queued", 0));
  set("defaultTimeoutS", integer(flags, "default-timeout", 1));
  set("maxStepsPerExecution", integer(flags, "max-steps-per-execution", 1));
  const maxBytes = integer(flags, "max-body-bytes", 1024);
  set("maxBodyBytes", maxBytes);
  set("grpcMaxMessageBytes", maxBytes);
  set("nodeId", str(flags["node-id"]));
  set("auditLogFile", str(flags["audit-log"]));
  set("traceUrlTemplate", str(flags["trace-url-template"]));
  set("allowedHosts", flags["allowed-host"] as string[] | undefined);
  set("tags", str(flags["tags"])?.split(",").map((t) => t.trim()).filter((t) => t !== ""));
  set("shutdownGraceMs", grace === undefined ? undefined : Math.round(grace * 1000));
  set("callerPolicy", callerPolicyFrom(flags, options.callerPolicy));
  set("resumePolicy", str(flags["resume-policy"]) as GatewayOptions["resumePolicy"] | undefined);
  const window = integer(flags, "idempotency-window", 1);
  set("idempotencyWindowMs", window === undefined ? undefined : window * 1000);
  if (flags["no-http"] === true) options.http = false;
  if (flags["no-grpc"] === true) options.grpc = false;
  return options;
}

/** `wfx serve` / `wfx node`: MCP + HTTP and gRPC on one process until SIGTERM or SIGINT, then a graceful drain. */
export async function serveCommand(flags: ServeFlags, io: Io, command = "serve"): Promise<number> {
  // `wfx node --profile nodes/gpu-worker.yaml` (or WFX_NODE_PROFILE): the profile first, flags over it.
  const profilePath = command === "node" ? (str(flags["profile"]) ?? process.env["WFX_NODE_PROFILE"]) : undefined;
  const profile = profilePath === undefined ? undefined : loadNodeProfile(profilePath, process.env);
  // Without a profile, WFX_NODE_RESOURCES and WFX_NODE_CAPACITY still say what the node offers placed steps.
  const offers = command === "node" ? (profile ?? loadNodeProfile(undefined, process.env)) : undefined;
  const options = { ...(profile === undefined ? {} : gatewayOptionsOfProfile(profile)), ...envPortsOf(profile === undefined ? offers : undefined), ...gatewayOptionsFrom(flags, process.env) };
  const logFormat = logFormatOf(flags["log-format"], process.env, process.stderr);
  const logger = createLogger({ level: process.env["WFX_LOG_LEVEL"] ?? "info", format: logFormat });
  if (options.nodeId === undefined && process.env["WFX_NODE_ID"]) options.nodeId = process.env["WFX_NODE_ID"];
  if (options.tags === undefined && process.env["WFX_NODE_TAGS"]) options.tags = process.env["WFX_NODE_TAGS"].split(",").map((t) => t.trim()).filter((t) => t !== "");
  // A standalone `wfx serve` reads its model limits from WFX_MODEL_LIMITS alone (the profile's other variables are a node's).
  const limitsFrom = offers ?? loadNodeProfile(undefined, { WFX_MODEL_LIMITS: process.env["WFX_MODEL_LIMITS"] });
  if (options.modelLimits === undefined) options.modelLimits = limitsFrom.model_limits;
  const cluster = offers === undefined ? undefined : clusterFrom(flags, process.env, { id: options.nodeId, tags: options.tags ?? [], resources: offers.resources, stepCapacity: offers.capacity.steps, tagLimits: offers.limits }, logger, profile === undefined ? undefined : clusterOptionsOfProfile(profile));
  if (cluster !== undefined) options.nodeId = cluster.options.nodeId;
  if (cluster === undefined && Object.keys(offers?.limits ?? {}).length > 0) logger.warn({ limits: offers?.limits }, "limits per tag apply to the placed steps of a cluster; this node runs alone (no NATS), so they are ignored");
  // Loaded only when OTEL_* asks: an untraced node never imports the SDK.
  const tracing = await startTracing(process.env, options.nodeId, VERSION);
  if (tracing.warning !== undefined) logger.warn(tracing.warning);
  // A cluster worker may serve no gateway at all: it runs what the cluster places on it.
  if (options.http === false && options.grpc === false && cluster === undefined) throw new CliError("--no-http and --no-grpc together leave nothing to serve", { hint: "a node that only runs work joins a cluster: wfx node --nats nats://host:4222" });
  const node = await ExecutorNode.start(options, { generator: cliGenerator(), logger, ...auditLoggerFor(options.auditLogFile, logFormat), tracing, ...given({ membership: cluster }) });
  io.err.write(serveBanner({ nodeId: node.registry.self().id, cluster: cluster && { servers: cluster.options.servers, tags: cluster.options.tags }, httpUrl: node.httpUrl, mcpUrl: node.mcpUrl, grpcAddress: node.grpcAddress, probeUrl: node.probeUrl, openToLocal: node.tokens.open && (node.httpUrl !== undefined || node.grpcAddress !== undefined), workflows: node.operations.deps.workflows.names().length, workflowDirs: node.options.workflowDirs, logFormat }));
  await new Promise<void>((resolve) => {
    const stop = (signal: string) => {
      io.err.write(`${signal}: draining (up to ${node.options.shutdownGraceMs / 1000}s for running sync calls)\n`);
      // A shutdown that overruns the grace by this much is stuck: the process ends anyway (Kubernetes would SIGKILL it).
      setTimeout(() => {
        io.err.write("shutdown did not finish within the grace period and 10 s more; exiting\n");
        process.exit(EXIT.failed);
      }, node.options.shutdownGraceMs + 10_000).unref();
      process.off("SIGTERM", onTerm);
      process.off("SIGINT", onInt);
      resolve();
    };
    const onTerm = () => stop("SIGTERM");
    const onInt = () => stop("SIGINT");
    process.once("SIGTERM", onTerm);
    process.once("SIGINT", onInt);
  });
  await node.close();
  io.err.write("stopped\n");
  // Everything is closed; a handle something left open must not keep a stopped node's process alive.
  setTimeout(() => {
    io.err.write("a handle stayed open after shutdown; exiting\n");
    process.exit(EXIT.ok);
  }, 2000).unref();
  return EXIT.ok;
}
