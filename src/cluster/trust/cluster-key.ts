import { createHash, hkdfSync, randomBytes } from "node:crypto";
import { readFileSync } from "node:fs";
import { ClusterError } from "../errors.js";

/** The shortest key accepted: `wfx cluster-key` prints 43 characters (32 random bytes, base64url). */
const MIN_KEY_CHARS = 32;

/** One cluster key as the wire uses it: its public id (named in headers and errors) and the two keys derived from it. */
export interface ClusterKey {
  /** 8 hex characters of a hash of the key: safe to log, names the key in a frame so a rotation can pick the right one. */
  readonly id: string;
  readonly macKey: Buffer;
  readonly encryptionKey: Buffer;
}

/** How a node trusts its peers: every message sealed under the first key (the others also accepted), or nothing checked. */
export type ClusterTrust = { readonly mode: "keyed"; readonly keys: readonly ClusterKey[] } | { readonly mode: "insecure" };

/** A new random cluster key, as `wfx cluster-key` prints it. */
export function generateClusterKey(): string {
  return randomBytes(32).toString("base64url");
}

/** The ids and derived keys of one secret; separate derivations so the MAC and the cipher never share a key. */
export function clusterKeyOf(secret: string): ClusterKey {
  const material = Buffer.from(secret, "utf8");
  const derive = (info: string) => Buffer.from(hkdfSync("sha256", material, "wfx-cluster", info, 32));
  return { id: createHash("sha256").update("wfx-key-id:").update(material).digest("hex").slice(0, 8), macKey: derive("wfx mac v1"), encryptionKey: derive("wfx aes-256-gcm v1") };
}

export interface ClusterKeySources {
  /** `--cluster-key-file`: one key per line; the first signs, every one is accepted. */
  keyFile?: string | undefined;
  /** `--insecure-cluster` (or WFX_INSECURE_CLUSTER=true): no key, nothing checked. */
  insecure?: boolean | undefined;
  env: Record<string, string | undefined>;
}

function keyMissing(): ClusterError {
  return new ClusterError("WFX_CLUSTER_KEY_MISSING", "no cluster key: a node without one would obey any NATS client, so it does not join", {
    hint: "run `wfx cluster-key` once, give every node and CLI of the cluster the same value as WFX_CLUSTER_KEY (or in a file, --cluster-key-file FILE); --insecure-cluster joins without one (any NATS client can then command this node)",
  });
}

/** The cluster trust from a key file, WFX_CLUSTER_KEYS (new,old), WFX_CLUSTER_KEY or --insecure-cluster; no key at all is refused. */
export function resolveClusterTrust(sources: ClusterKeySources): ClusterTrust {
  const { env } = sources;
  let secrets: string[];
  let from: string;
  if (sources.keyFile !== undefined) {
    from = `--cluster-key-file ${sources.keyFile}`;
    let text: string;
    try {
      text = readFileSync(sources.keyFile, "utf8");
    } catch (error) {
      throw new ClusterError("WFX_CLUSTER_KEY_INVALID", `cannot read the cluster key file ${sources.keyFile}: ${(error as Error).message}`, { hint: "the file holds the key (`wfx cluster-key > FILE`), one per line during a rotation, newest first" });
    }
    secrets = text.split(/\r?\n/);
  } else if (env["WFX_CLUSTER_KEYS"]) {
    from = "WFX_CLUSTER_KEYS";
    secrets = env["WFX_CLUSTER_KEYS"].split(",");
  } else if (env["WFX_CLUSTER_KEY"]) {
    from = "WFX_CLUSTER_KEY";
    secrets = [env["WFX_CLUSTER_KEY"]];
  } else {
    if (sources.insecure === true || /^(1|true|yes)$/i.test(env["WFX_INSECURE_CLUSTER"] ?? "")) return { mode: "insecure" };
    throw keyMissing();
  }
  const keys = secrets.map((s) => s.trim()).filter((s) => s !== "");
  if (keys.length === 0) throw keyMissing();
  const short = keys.findIndex((k) => k.length < MIN_KEY_CHARS);
  if (short >= 0) throw new ClusterError("WFX_CLUSTER_KEY_INVALID", `cluster key ${short + 1} of ${from} has ${keys[short]!.length} characters; at least ${MIN_KEY_CHARS} are needed`, { hint: "make one with `wfx cluster-key` (32 random bytes)" });
  return { mode: "keyed", keys: keys.map(clusterKeyOf) };
}
