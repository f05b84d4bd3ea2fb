import { deepMerge } from "./overlay.js";
import type { Problem } from "./problems.js";
import { isRecord } from "./validate-context.js";
import { formatYamlPath, type YamlPath } from "./yaml-location.js";

/** The variables a node profile reads, and what each expects (the hint of every problem with one). */
export const NODE_PROFILE_ENV = Object.freeze({
  WFX_NODE_ID: "a node id of letters, digits, '_' and '-', e.g. WFX_NODE_ID=gpu-worker-1",
  WFX_NODE_TAGS: "comma-separated tags, e.g. WFX_NODE_TAGS=gpu,eu",
  WFX_NODE_RESOURCES: "comma-separated name=amount pairs, e.g. WFX_NODE_RESOURCES=gpu=2,memory_gb=64",
  WFX_NODE_CAPACITY: "executions=N, steps=N and/or queued=N, comma-separated, e.g. WFX_NODE_CAPACITY=executions=64,steps=256",
  WFX_NODE_GATEWAYS: "comma-separated gateways out of http, grpc and mcp (which implies http), or none, e.g. WFX_NODE_GATEWAYS=http,grpc",
  WFX_HTTP_PORT: "the http gateway's port, a whole number from 0 to 65535, e.g. WFX_HTTP_PORT=4020",
  WFX_GRPC_PORT: "the grpc gateway's port, a whole number from 0 to 65535, e.g. WFX_GRPC_PORT=50051",
  WFX_NATS_URL: "a NATS URL or a comma-separated list, e.g. WFX_NATS_URL=nats://nats-0:4222,nats://nats-1:4222",
  WFX_NATS_USER: "the NATS user name (with WFX_NATS_PASSWORD)",
  WFX_NATS_PASSWORD: "the NATS password (with WFX_NATS_USER, or a user in the profile)",
  WFX_NATS_TOKEN: "a NATS authentication token",
  WFX_NATS_CREDS: "the path of a NATS .creds file",
  WFX_CLUSTER_LIMITS: "comma-separated tag=count pairs, each count a whole number of 1 or more: how many steps asking for the tag run at once in the whole cluster, e.g. WFX_CLUSTER_LIMITS=gpu=4,eu=10",
  WFX_MODEL_LIMITS: 'a JSON list of model limits, replacing the profile\'s, e.g. WFX_MODEL_LIMITS=\'[{"endpoint":"https://api.openai.com/v1","requests_per_minute":500}]\'',
});
export type NodeProfileVariable = keyof typeof NODE_PROFILE_ENV;

/** The file's data with the environment laid over it, where each variable landed, and the variables that could not be read. */
export interface NodeProfileEnvOverlay {
  data: Record<string, unknown>;
  /**
   * Formatted profile paths (`gateways.http.port`) a variable set, so problems there name the variable: at the path and
   * below it when the variable gave the whole value, at the path only when it chose which of the file's values stay.
   */
  origins: Map<string, { variable: NodeProfileVariable; subtree: boolean }>;
  problems: Problem[];
}

const AUTH_FIELDS: Record<string, readonly string[]> = { user: ["user", "password"], password: ["user", "password"], token: ["token"], creds_file: ["creds_file"] };
const NATS_VARIABLES = [
  ["WFX_NATS_USER", "user"],
  ["WFX_NATS_PASSWORD", "password"],
  ["WFX_NATS_TOKEN", "token"],
  ["WFX_NATS_CREDS", "creds_file"],
] as const;
const NUMBER = /^-?\d+(\.\d+)?$/;

function list(text: string): string[] {
  return text
    .split(",")
    .map((s) => s.trim())
    .filter((s) => s !== "");
}

/** Lays `WFX_*` variables over a profile's raw data (unset and empty variables count as absent); the schema checks the result. */
export function applyNodeProfileEnv(fileData: Record<string, unknown>, env: Record<string, string | undefined>): NodeProfileEnvOverlay {
  let data = fileData;
  const origins: NodeProfileEnvOverlay["origins"] = new Map();
  const problems: Problem[] = [];
  const read = (variable: NodeProfileVariable) => (env[variable] ?? "").trim() || undefined;
  const fail = (variable: NodeProfileVariable, path: YamlPath, message: string) => problems.push({ code: "WFX_INVALID_VALUE", message: `${variable}: ${message}`, path: formatYamlPath(path), hint: NODE_PROFILE_ENV[variable] });
  const set = (variable: NodeProfileVariable, path: YamlPath, value: unknown) => {
    let patch = value;
    for (let i = path.length - 1; i >= 0; i--) patch = { [path[i]!]: patch };
    data = deepMerge(data, patch) as Record<string, unknown>;
    origins.set(formatYamlPath(path), { variable, subtree: true });
  };
  const pairs = (variable: NodeProfileVariable, path: YamlPath, keys?: readonly string[]) => {
    const text = read(variable);
    if (text === undefined) return;
    const out: Record<string, number> = {};
    for (const item of list(text)) {
      const [key = "", value = "", ...rest] = item.split("=").map((s) => s.trim());
      if (rest.length > 0 || key === "" || !NUMBER.test(value)) fail(variable, path, `'${item}' is not name=number`);
      else if (keys !== undefined && !keys.includes(key)) fail(variable, path, `unknown name '${key}' (expected ${keys.join(" or ")})`);
      else out[key] = Number(value);
    }
    for (const [key, value] of Object.entries(out)) set(variable, [...path, key], value);
  };

  const id = read("WFX_NODE_ID");
  if (id !== undefined) set("WFX_NODE_ID", ["id"], id);
  const tags = read("WFX_NODE_TAGS");
  if (tags !== undefined) set("WFX_NODE_TAGS", ["tags"], list(tags));
  pairs("WFX_NODE_RESOURCES", ["resources"]);
  pairs("WFX_NODE_CAPACITY", ["capacity"], ["executions", "steps", "queued"]);
  pairs("WFX_CLUSTER_LIMITS", ["limits"]);

  const gateways = read("WFX_NODE_GATEWAYS");
  // An absent `gateways` means the default pair; spelled out here so a port or a list can apply over it.
  const fileGateways = data["gateways"] === undefined ? { http: {}, grpc: {} } : isRecord(data["gateways"]) ? data["gateways"] : {};
  if (gateways !== undefined) {
    const names = list(gateways);
    const unknown = names.filter((n) => !["http", "grpc", "mcp", "none"].includes(n));
    if (unknown.length > 0 || (names.includes("none") && names.length > 1)) {
      fail("WFX_NODE_GATEWAYS", ["gateways"], unknown.length > 0 ? `unknown gateway '${unknown[0]}'` : "'none' cannot be listed with gateways");
    } else {
      const chosen: Record<string, unknown> = {};
      if (names.includes("http") || names.includes("mcp")) chosen["http"] = fileGateways["http"] ?? {};
      if (names.includes("grpc")) chosen["grpc"] = fileGateways["grpc"] ?? {};
      if (chosen["http"] !== undefined && fileGateways["mcp"] !== undefined) chosen["mcp"] = fileGateways["mcp"];
      data = { ...data, gateways: chosen };
      origins.set("gateways", { variable: "WFX_NODE_GATEWAYS", subtree: false });
    }
  } else if (data["gateways"] === undefined && (read("WFX_HTTP_PORT") ?? read("WFX_GRPC_PORT")) !== undefined) {
    data = { ...data, gateways: fileGateways };
  }
  for (const [variable, gateway] of [["WFX_HTTP_PORT", "http"], ["WFX_GRPC_PORT", "grpc"]] as const) {
    const port = read(variable);
    if (port === undefined) continue;
    const served = isRecord(data["gateways"]) && data["gateways"][gateway] !== undefined;
    if (!/^\d+$/.test(port)) fail(variable, ["gateways", gateway, "port"], `'${port}' is not a port number`);
    else if (!served) fail(variable, ["gateways", gateway], `is set, but this node serves no ${gateway} gateway (add ${gateway} to the profile's gateways or WFX_NODE_GATEWAYS, or unset ${variable})`);
    else set(variable, ["gateways", gateway, "port"], Number(port));
  }

  const limits = read("WFX_MODEL_LIMITS");
  if (limits !== undefined) {
    try {
      set("WFX_MODEL_LIMITS", ["model_limits"], JSON.parse(limits));
    } catch (error) {
      fail("WFX_MODEL_LIMITS", ["model_limits"], `is not JSON: ${(error as Error).message}`);
    }
  }

  const url = read("WFX_NATS_URL");
  if (url !== undefined) set("WFX_NATS_URL", ["nats", "url"], list(url));
  for (const [variable, field] of NATS_VARIABLES) {
    const value = read(variable);
    if (value === undefined) continue;
    // A way to authenticate given in the environment replaces the file's other ways.
    const nats = isRecord(data["nats"]) ? { ...data["nats"] } : {};
    for (const other of Object.keys(AUTH_FIELDS)) if (!AUTH_FIELDS[field]!.includes(other) && origins.get(`nats.${other}`) === undefined) delete nats[other];
    data = { ...data, nats };
    set(variable, ["nats", field], value);
  }
  return { data, origins, problems };
}
