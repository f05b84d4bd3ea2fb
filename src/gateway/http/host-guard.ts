import type { IncomingMessage } from "node:http";

export const LOOPBACK_HOSTNAMES: readonly string[] = Object.freeze(["localhost", "127.0.0.1", "[::1]", "::1"]);

export interface HostGuardOptions {
  /** Hostnames the Host header may name; undefined = any (a public node whose callers all need a token). */
  allowedHosts: readonly string[] | undefined;
  /** Browser origins (`https://app.example.com:8443`) allowed besides the node's own. */
  allowedOrigins: readonly string[];
}

/** What the guard knows of the node: how it is served, and whether it has tokens. */
export interface NodeAddress {
  scheme: "http" | "https";
  /** No tokens: any local caller has every scope, so only the node's own pages may call it from a browser. */
  open: boolean;
}

function hostnameOf(hostHeader: string): string {
  if (hostHeader.startsWith("[")) return hostHeader.slice(0, hostHeader.indexOf("]") + 1).toLowerCase();
  const colon = hostHeader.lastIndexOf(":");
  return (colon < 0 ? hostHeader : hostHeader.slice(0, colon)).toLowerCase();
}

/** `host[:port]` as a URL of `scheme` writes it (lowercase, default port dropped); undefined when it is no host. */
function normalHost(scheme: string, hostHeader: string): string | undefined {
  try {
    return new URL(`${scheme}://${hostHeader}`).host;
  } catch {
    return undefined;
  }
}

/**
 * Whether a browser Origin is the node itself: the same host and port the request was sent to (its Host header) and,
 * on a node without tokens, the same scheme. With tokens the scheme may differ (a TLS proxy in front): a page elsewhere
 * cannot send a bearer token without a CORS preflight, which the node never grants.
 */
function isOwnOrigin(origin: URL, hostHeader: string | undefined, node: NodeAddress): boolean {
  if (hostHeader === undefined) return false;
  if (node.open && origin.protocol !== `${node.scheme}:`) return false;
  return origin.host === normalHost(origin.protocol.slice(0, -1), hostHeader);
}

/**
 * DNS-rebinding and cross-site protection: a page on evil.example that re-points its name at 127.0.0.1 still sends
 * `Host: evil.example`, and a browser sends its Origin with every cross-site POST: one that is not the node's own
 * (another port of localhost, `null` from a sandboxed frame or a file) is refused. Returns why, or undefined.
 */
export function checkHostAndOrigin(req: IncomingMessage, options: HostGuardOptions, node: NodeAddress): string | undefined {
  const host = req.headers.host;
  const hostname = host === undefined ? undefined : hostnameOf(host);
  if (options.allowedHosts !== undefined && (hostname === undefined || !options.allowedHosts.includes(hostname))) {
    return `Host '${host ?? ""}' is not allowed (DNS rebinding protection); allowed: ${options.allowedHosts.join(", ")}`;
  }
  const origin = req.headers.origin;
  if (origin === undefined) return undefined;
  const allowed = `allowed: the node's own origin${host === undefined ? "" : ` (${node.scheme}://${host})`}${options.allowedOrigins.length > 0 ? `, ${options.allowedOrigins.join(", ")}` : ""}`;
  if (origin === "null") return `Origin 'null' (a sandboxed frame, a file or a redirect) is not allowed; ${allowed}`;
  let url: URL;
  try {
    url = new URL(origin);
  } catch {
    return `Origin '${origin}' is not a URL`;
  }
  if (isOwnOrigin(url, host, node) || options.allowedOrigins.some((o) => normalOrigin(o) === url.origin)) return undefined;
  return `Origin '${origin}' is not allowed; ${allowed}`;
}

function normalOrigin(origin: string): string | undefined {
  try {
    return new URL(origin).origin;
  } catch {
    return undefined;
  }
}

const JSON_MEDIA_TYPE = /^application\/json\s*(;|$)/i;

/** Whether a POST says its body is JSON: the one type a cross-site form or `no-cors` fetch cannot send. */
export function isJsonBody(req: IncomingMessage): boolean {
  return JSON_MEDIA_TYPE.test(req.headers["content-type"]?.trim() ?? "");
}
