import type { IncomingMessage } from "node:http";

export const LOOPBACK_HOSTNAMES: readonly string[] = Object.freeze(["localhost", "127.0.0.1", "[::1]", "::1"]);

export interface HostGuardOptions {
  /** Hostnames the Host header may name; undefined = any (a public node whose callers all need a token). */
  allowedHosts: readonly string[] | undefined;
  /** Hostnames a browser Origin may name besides the Host itself. */
  allowedOrigins: readonly string[];
}

function hostnameOf(hostHeader: string): string {
  if (hostHeader.startsWith("[")) return hostHeader.slice(0, hostHeader.indexOf("]") + 1).toLowerCase();
  const colon = hostHeader.lastIndexOf(":");
  return (colon < 0 ? hostHeader : hostHeader.slice(0, colon)).toLowerCase();
}

/**
 * DNS-rebinding protection: a page on evil.example that re-points its name at 127.0.0.1 still sends
 * `Host: evil.example`, and a browser always sends its Origin. Returns why a request is refused, or undefined.
 */
export function checkHostAndOrigin(req: IncomingMessage, options: HostGuardOptions): string | undefined {
  const host = req.headers.host;
  const hostname = host === undefined ? undefined : hostnameOf(host);
  if (options.allowedHosts !== undefined && (hostname === undefined || !options.allowedHosts.includes(hostname))) {
    return `Host '${host ?? ""}' is not allowed (DNS rebinding protection); allowed: ${options.allowedHosts.join(", ")}`;
  }
  const origin = req.headers.origin;
  if (origin === undefined || origin === "null") return undefined;
  let originHost: string;
  try {
    originHost = new URL(origin).hostname.toLowerCase();
  } catch {
    return `Origin '${origin}' is not a URL`;
  }
  const bracketed = originHost.includes(":") && !originHost.startsWith("[") ? `[${originHost}]` : originHost;
  if (bracketed === hostname || options.allowedOrigins.includes(bracketed) || options.allowedOrigins.includes(originHost)) return undefined;
  return `Origin '${origin}' is not allowed; allowed: ${[hostname, ...options.allowedOrigins].filter(Boolean).join(", ")}`;
}
