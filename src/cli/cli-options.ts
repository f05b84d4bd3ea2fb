import type { ParseArgsConfig } from "node:util";
import { CLUSTER_KEY_FLAGS, SERVE_FLAGS } from "./commands/serve-flags.js";

const COMMON = {
  json: { type: "boolean", default: false },
  "data-dir": { type: "string" },
  help: { type: "boolean", short: "h", default: false },
} as const;

/** The flags each command accepts (parsed strictly: anything else is refused); `wfx COMMAND --help` describes them. */
export const OPTIONS: Record<string, ParseArgsConfig["options"]> = {
  run: {
    ...COMMON, workflow: { type: "string", short: "w" }, input: { type: "string", short: "i" }, mode: { type: "string", short: "m", default: "sync" }, timeout: { type: "string", short: "t" }, background: { type: "boolean", default: false },
    describe: { type: "string", short: "d" }, complexity: { type: "string", short: "c" }, out: { type: "string", short: "o" }, env: { type: "string", short: "e" }, override: { type: "string" },
    "idempotency-key": { type: "string" }, budget: { type: "string", short: "b" }, priority: { type: "string" },
  },
  generate: { ...COMMON, complexity: { type: "string", short: "c" }, name: { type: "string", short: "n" }, out: { type: "string", short: "o" }, force: { type: "boolean", default: false }, template: { type: "boolean", default: false }, tags: { type: "string" } },
  status: { ...COMMON, ...CLUSTER_KEY_FLAGS, follow: { type: "boolean", short: "f", default: false }, nats: { type: "string", multiple: true } },
  cancel: { ...COMMON, ...CLUSTER_KEY_FLAGS, nats: { type: "string", multiple: true } },
  list: { ...COMMON, pattern: { type: "string", short: "p" } },
  validate: COMMON,
  serve: { ...COMMON, ...SERVE_FLAGS },
  node: { ...COMMON, ...SERVE_FLAGS },
  mcp: { ...COMMON, ...SERVE_FLAGS, stdio: { type: "boolean", default: false } },
  nodes: { ...COMMON, ...CLUSTER_KEY_FLAGS, nats: { type: "string", multiple: true }, watch: { type: "boolean", default: false } },
  drain: { ...COMMON, ...CLUSTER_KEY_FLAGS, nats: { type: "string", multiple: true } },
  undrain: { ...COMMON, ...CLUSTER_KEY_FLAGS, nats: { type: "string", multiple: true } },
  "cluster-key": { help: { type: "boolean", short: "h", default: false } },
};
