import { ClusterError } from "./errors.js";

/** Oldest nats-server this layer works against (Debian bookworm's 2.9.10): JetStream KV with compare-and-set. */
export const MIN_SERVER_VERSION = "2.9.0";

function parts(version: string): [number, number, number] {
  const match = /^v?(\d+)\.(\d+)\.(\d+)/.exec(version);
  return match ? [Number(match[1]), Number(match[2]), Number(match[3])] : [0, 0, 0];
}

/** Whether `version` is at least `min` (semver, pre-release tags ignored). */
export function atLeast(version: string, min: string): boolean {
  const [a, b] = [parts(version), parts(min)];
  for (let i = 0; i < 3; i++) if (a[i] !== b[i]) return a[i]! > b[i]!;
  return true;
}

/** Refuses a server older than the layer needs, naming both versions. */
export function checkServerVersion(version: string | undefined, server: string): void {
  if (version !== undefined && atLeast(version, MIN_SERVER_VERSION)) return;
  throw new ClusterError("WFX_NATS_SERVER_TOO_OLD", `the NATS server at ${server} is ${version ?? "of an unknown version"}; this node needs ${MIN_SERVER_VERSION} or later`, {
    hint: "upgrade nats-server (Debian bookworm ships 2.9.10, which is enough)",
  });
}
