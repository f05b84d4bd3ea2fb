/** Flags shared by `wfx serve`, `wfx node` and `wfx mcp`, apart from their commands so parsing them loads no gateway. */
export const SERVE_FLAGS = {
  workflows: { type: "string", multiple: true },
  host: { type: "string" },
  port: { type: "string" },
  "grpc-port": { type: "string" },
  "probe-port": { type: "string" },
  "probe-host": { type: "string" },
  "no-http": { type: "boolean", default: false },
  "no-grpc": { type: "boolean", default: false },
  tokens: { type: "string" },
  "tls-cert": { type: "string" },
  "tls-key": { type: "string" },
  "max-concurrent": { type: "string" },
  "max-queued": { type: "string" },
  "max-body-bytes": { type: "string" },
  "max-watchers": { type: "string" },
  "default-timeout": { type: "string" },
  "max-steps-per-execution": { type: "string" },
  tags: { type: "string" },
  "node-id": { type: "string" },
  "audit-log": { type: "string" },
  "trace-url-template": { type: "string" },
  "log-format": { type: "string" },
  "allowed-host": { type: "string", multiple: true },
  grace: { type: "string" },
  nats: { type: "string", multiple: true },
  "cluster-key-file": { type: "string" },
  "insecure-cluster": { type: "boolean", default: false },
  profile: { type: "string" },
  "caller-policy": { type: "string" },
  "resume-policy": { type: "string" },
  "idempotency-window": { type: "string" },
  "caller-tool-types": { type: "string" },
  "caller-http-host": { type: "string", multiple: true },
  "caller-mcp-server": { type: "string", multiple: true },
  "caller-model-endpoint": { type: "string", multiple: true },
} as const;

/** How a command that speaks to the cluster gets its key: `wfx status|cancel|nodes|drain` take these too. */
export const CLUSTER_KEY_FLAGS = {
  "cluster-key-file": { type: "string" },
  "insecure-cluster": { type: "boolean", default: false },
} as const;

/** Those flags as parseArgs returns them. */
export type ServeFlags = Record<string, string | boolean | (string | boolean)[] | undefined>;
