import type { PriceTable } from "./price-table.js";
import type { ModelLimit } from "./model-limits.js";
import { randomBytes } from "node:crypto";
import { readFileSync } from "node:fs";
import { hostname } from "node:os";
import { dirname, resolve } from "node:path";
import { LineCounter } from "yaml";
import { resolveCallerPolicy, type CallerPolicy } from "./caller-policy.js";
import { NodeProfileInvalidError } from "./errors.js";
import { readYaml } from "./load.js";
import { applyNodeProfileEnv, NODE_PROFILE_ENV, type NodeProfileEnvOverlay } from "./node-profile-env.js";
import { NODE_PROFILE_DEFAULTS, NODE_PROFILE_HINTS, NodeProfileFileSchema, type NodeProfileFile } from "./node-profile-schema.js";
import { formatProblems, sortProblems, type Problem } from "./problems.js";
import { parseWithProblems } from "./schema-issues.js";
import { isRecord } from "./validate-context.js";
import type { LoadedSource } from "./yaml-location.js";

export interface NatsConnection {
  /** The cluster's servers, as nats.js takes them. */
  servers: readonly string[];
  user?: string;
  password?: string;
  token?: string;
  /** Absolute, like the TLS files: relative paths in a profile are read from the profile's folder. */
  creds_file?: string;
  tls?: Readonly<{ ca?: string; cert?: string; key?: string }>;
}

export interface NodeGateways {
  http?: Readonly<{ port: number; host?: string }>;
  grpc?: Readonly<{ port: number }>;
  /** MCP's path on the http gateway; set exactly when http is. */
  mcp?: string;
}

/** A node's profile resolved once: every default filled in, the environment applied, and frozen. */
export interface NodeProfile {
  /** The profile file, or undefined for the embedded default (nodes/standalone.yaml says the same). */
  source: string | undefined;
  id: string;
  tags: readonly string[];
  resources: Readonly<Record<string, number>>;
  capacity: Readonly<{ executions: number; steps: number; queued: number }>;
  gateways: Readonly<NodeGateways>;
  /** Undefined: the node runs alone, with no cluster. */
  nats: Readonly<NatsConnection> | undefined;
  heartbeat: Readonly<{ interval_ms: number; missed_beats_down: number }>;
  placement_timeout_s: number;
  caller_policy: CallerPolicy;
  prices: PriceTable;
  /** Tag -> how many placed steps asking for it run at once in the whole cluster; empty: no such limit. */
  limits: Readonly<Record<string, number>>;
  /** Cluster-wide limits per model endpoint (and model); empty: none but what providers answer with 429s. */
  model_limits: readonly ModelLimit[];
}

/** Where a default node id comes from; injected so tests can name nodes. */
export interface NodeIdSource {
  hostname: () => string;
  /** A short random suffix, so two nodes on one host (or pods with one name) differ. */
  suffix: () => string;
}

const SYSTEM_IDS: NodeIdSource = { hostname, suffix: () => randomBytes(3).toString("hex") };

/** `hostname-suffix`, with what a node id may not hold (dots of an FQDN, say) turned into '-'. */
export function generateNodeId(ids: NodeIdSource = SYSTEM_IDS): string {
  const host = ids.hostname().replace(/[^A-Za-z0-9_-]+/g, "-").replace(/^-+|-+$/g, "");
  return `${host || "node"}-${ids.suffix()}`;
}

function readProfile(path: string): { data?: unknown; problems: Problem[]; source: LoadedSource } {
  let text: string;
  try {
    text = readFileSync(path, "utf8");
  } catch (error) {
    const missing = (error as NodeJS.ErrnoException).code === "ENOENT";
    const problem: Problem = missing
      ? { code: "WFX_FILE_NOT_FOUND", message: `no such node profile '${path}'`, path: "", hint: "pass a file like nodes/worker.yaml, or no profile for the standalone default" }
      : { code: "WFX_FILE_UNREADABLE", message: `cannot read '${path}': ${(error as Error).message}`, path: "", hint: "check the file's permissions" };
    return { problems: [problem], source: { path, text: "", lineCounter: new LineCounter() } };
  }
  return readYaml(text, path);
}

/** A problem at a path a variable set speaks of the variable, not of a line in the file; undefined when no variable set it. */
function blameVariable(problem: Problem, origins: NodeProfileEnvOverlay["origins"]): Problem | undefined {
  for (const [path, { variable, subtree }] of origins) {
    const below = subtree && (problem.path.startsWith(`${path}.`) || problem.path.startsWith(`${path}[`));
    if (problem.path === path || below) return { code: problem.code, message: `${variable}: ${problem.message}`, path: problem.path, hint: NODE_PROFILE_ENV[variable] };
  }
  return undefined;
}

/**
 * Reads a node profile (`nodes/*.yaml`; undefined: the standalone default), lays the `WFX_*` variables of `env` over
 * it, checks the result and resolves it once. Throws `NodeProfileInvalidError` listing every problem, each with its
 * path and a hint; problems from the environment name the variable instead of a line.
 */
export function loadNodeProfile(path: string | undefined, env: Record<string, string | undefined> = process.env, ids: NodeIdSource = SYSTEM_IDS): NodeProfile {
  const read = path === undefined ? { data: {}, problems: [], source: { path: "<default profile>", text: "", lineCounter: new LineCounter() } } : readProfile(path);
  const fail = (fileProblems: Problem[], envProblems: Problem[] = []) => {
    const formatted = [formatProblems(fileProblems, read.source.path), formatProblems(envProblems, "environment")].filter((f) => f !== "").join("\n");
    return new NodeProfileInvalidError(read.source.path, [...fileProblems, ...envProblems], formatted);
  };
  if (read.problems.length > 0) throw fail(read.problems);
  const data = read.data ?? {};
  if (!isRecord(data)) throw fail([{ code: "WFX_INVALID_TYPE", message: "a node profile is a mapping", path: "", line: 1, column: 1, hint: "start with keys such as tags: [gpu] and capacity: { steps: 8 }" }]);
  const overlay = applyNodeProfileEnv(data, env);
  const checked = parseWithProblems(NodeProfileFileSchema, overlay.data, read.source, NODE_PROFILE_HINTS);
  const fileProblems: Problem[] = [];
  const envProblems = [...overlay.problems];
  for (const problem of checked.problems) {
    const blamed = blameVariable(problem, overlay.origins);
    if (blamed === undefined) fileProblems.push(problem);
    else envProblems.push(blamed);
  }
  if (fileProblems.length + envProblems.length > 0 || checked.value === undefined) throw fail(sortProblems(fileProblems), envProblems);
  const folder = path === undefined ? process.cwd() : dirname(resolve(path));
  const fromFile = (field: string, file: string) => resolve(overlay.origins.has(field) ? process.cwd() : folder, file);
  return resolveNodeProfile(checked.value, path, fromFile, ids);
}

function resolveNodeProfile(file: NodeProfileFile, source: string | undefined, pathOf: (field: string, file: string) => string, ids: NodeIdSource): NodeProfile {
  const { http, grpc, mcp } = file.gateways;
  const gateways: NodeGateways = {};
  if (http !== undefined) {
    gateways.http = Object.freeze(http.host === undefined ? { port: http.port } : { port: http.port, host: http.host });
    gateways.mcp = mcp ?? NODE_PROFILE_DEFAULTS.mcpPath;
  }
  if (grpc !== undefined) gateways.grpc = Object.freeze({ port: grpc.port });
  return Object.freeze({
    source,
    id: file.id ?? generateNodeId(ids),
    tags: Object.freeze([...new Set(file.tags)]),
    resources: Object.freeze({ ...file.resources }),
    capacity: Object.freeze({ ...file.capacity }),
    gateways: Object.freeze(gateways),
    nats: file.nats === undefined ? undefined : resolveNats(file.nats, pathOf),
    heartbeat: Object.freeze({ ...file.heartbeat }),
    placement_timeout_s: file.placement_timeout_s,
    caller_policy: resolveCallerPolicy(file.caller_policy),
    prices: Object.freeze({ ...file.prices }),
    limits: Object.freeze({ ...file.limits }),
    model_limits: Object.freeze(file.model_limits.map((l) => Object.freeze({ ...l }))),
  });
}

function resolveNats(nats: NonNullable<NodeProfileFile["nats"]>, pathOf: (field: string, file: string) => string): Readonly<NatsConnection> {
  const out: NatsConnection = { servers: Object.freeze([...nats.url]) };
  for (const key of ["user", "password", "token"] as const) if (nats[key] !== undefined) out[key] = nats[key];
  if (nats.creds_file !== undefined) out.creds_file = pathOf("nats.creds_file", nats.creds_file);
  if (nats.tls !== undefined) {
    const tls: { ca?: string; cert?: string; key?: string } = {};
    for (const key of ["ca", "cert", "key"] as const) if (nats.tls[key] !== undefined) tls[key] = pathOf(`nats.tls.${key}`, nats.tls[key]);
    out.tls = Object.freeze(tls);
  }
  return Object.freeze(out);
}
