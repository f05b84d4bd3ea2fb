import { WfxError } from "../errors.js";
import { rootAddress } from "./address.js";
import { RemoteActorError } from "./errors.js";
import type { Address, RestartPolicy, SupervisionPolicy } from "./types.js";
import { given } from "../present.js";

/**
 * Kernel-to-kernel messages. They travel through the ordinary `Transport` to the other system's endpoint
 * `wfx://<id>/$$system`, so every transport carries them without knowing they exist. `$$` cannot start a user name
 * nor a generated one, so no actor ever has that address. Everything in them is plain data (JSON-safe).
 */
const SYSTEM_PATH = "/$$system";

export function systemEndpoint(systemId: string): Address {
  return rootAddress(systemId) + SYSTEM_PATH;
}

/** An error as it crosses systems. */
export interface WireError {
  name: string;
  code?: string;
  message: string;
  hint?: string;
  retryable?: boolean;
}

/** Spawn options as data: Infinity (allowed in `withinMs` and `mailboxCapacity`) does not survive JSON. */
export interface WireSpawnOptions {
  supervision: SupervisionPolicy | (Omit<RestartPolicy, "withinMs"> & { withinMs: number | "Infinity" }) | undefined;
  mailboxCapacity: number | "Infinity" | undefined;
}

export type SystemMessage =
  /** Build `kind` from `spec` and start it at `child` (a path under the receiver), supervised for `parent`. */
  | { t: "spawn"; parent: Address; child: Address; uid: string; kind: string; spec: unknown; options: WireSpawnOptions }
  | { t: "stop"; target: Address }
  | { t: "watch"; target: Address; watcher: Address }
  | { t: "unwatch"; target: Address; watcher: Address }
  /** To a watcher or remote parent (`uid` then names the spawn): `target` ended, with `error` when it failed. */
  | { t: "terminated"; target: Address; to: Address; uid?: string; error?: WireError }
  | { t: "restarting"; target: Address; to: Address; uid: string; error: WireError; attempt: number; delayMs: number }
  /** A remote child whose policy is `escalate` failed: it is gone and its parent fails in its place. */
  | { t: "escalated"; target: Address; to: Address; uid: string; error: WireError };

export function encodeError(error: unknown): WireError {
  if (error instanceof WfxError) {
    return { name: error instanceof RemoteActorError ? error.remoteName : error.name, code: error.code, message: error.message, ...given({ hint: error.hint }), retryable: error.retryable };
  }
  if (error instanceof Error) return { name: error.name, message: error.message || error.name };
  return { name: "Error", message: String(error) };
}

export function decodeError(wire: WireError): RemoteActorError {
  const code = typeof wire.code === "string" && wire.code.startsWith("WFX_") ? (wire.code as `WFX_${string}`) : "WFX_ACTOR_FAILED";
  return new RemoteActorError(code, String(wire.message), String(wire.name), { ...(typeof wire.hint === "string" ? { hint: wire.hint } : {}), retryable: wire.retryable === true });
}

const toWire = (n: number): number | "Infinity" => (n === Number.POSITIVE_INFINITY ? "Infinity" : n);
const fromWire = (n: number | "Infinity"): number => (n === "Infinity" ? Number.POSITIVE_INFINITY : n);

export function encodeSpawnOptions(supervision: SupervisionPolicy | undefined, mailboxCapacity: number | undefined): WireSpawnOptions {
  return {
    supervision: supervision?.kind === "restart" ? { ...supervision, withinMs: toWire(supervision.withinMs) } : supervision,
    mailboxCapacity: mailboxCapacity === undefined ? undefined : toWire(mailboxCapacity),
  };
}

export function decodeSpawnOptions(wire: WireSpawnOptions): { supervision: SupervisionPolicy | undefined; mailboxCapacity: number | undefined } {
  const s = wire.supervision;
  return {
    supervision: s?.kind === "restart" ? { ...s, withinMs: fromWire(s.withinMs) } : (s as SupervisionPolicy | undefined),
    mailboxCapacity: wire.mailboxCapacity === undefined || wire.mailboxCapacity === null ? undefined : fromWire(wire.mailboxCapacity),
  };
}

const FIELDS: Record<SystemMessage["t"], readonly string[]> = {
  spawn: ["parent", "child", "uid", "kind"],
  stop: ["target"],
  watch: ["target", "watcher"],
  unwatch: ["target", "watcher"],
  terminated: ["target", "to"],
  restarting: ["target", "to", "uid"],
  escalated: ["target", "to", "uid"],
};

/** The message if it has the shape of a system message (it came from another process: trust nothing), else undefined. */
export function parseSystemMessage(value: unknown): SystemMessage | undefined {
  if (value === null || typeof value !== "object") return undefined;
  const m = value as Record<string, unknown>;
  const fields = typeof m.t === "string" && Object.hasOwn(FIELDS, m.t) ? FIELDS[m.t as SystemMessage["t"]] : undefined;
  if (fields === undefined || !fields.every((f) => typeof m[f] === "string")) return undefined;
  const needsError = m.t === "restarting" || m.t === "escalated";
  if ((needsError || m.error !== undefined) && (m.error === null || typeof m.error !== "object")) return undefined;
  if (m.t === "spawn" && (m.options === null || typeof m.options !== "object")) return undefined;
  if (m.t === "restarting" && (typeof m.attempt !== "number" || typeof m.delayMs !== "number")) return undefined;
  return value as SystemMessage;
}
