import { lookup } from "node:dns/promises";
import { BlockList, isIP } from "node:net";
import { networkInterfaces } from "node:os";
import type { Agent } from "undici";
import { embeddedIpv4 } from "./embedded-ipv4.js";
import { ToolError } from "./errors.js";
import { parseHostEntry } from "./host-entry.js";

/** Private, shared, link-local, multicast and reserved ranges: a caller's request may not reach them unless named. */
const INTERNAL = new BlockList();
for (const [net, prefix] of [["0.0.0.0", 8], ["10.0.0.0", 8], ["100.64.0.0", 10], ["127.0.0.0", 8], ["169.254.0.0", 16], ["172.16.0.0", 12], ["192.0.0.0", 24], ["192.168.0.0", 16], ["198.18.0.0", 15], ["224.0.0.0", 4], ["240.0.0.0", 4]] as const) INTERNAL.addSubnet(net, prefix, "ipv4");
for (const [net, prefix] of [["::", 128], ["::1", 128], ["fc00::", 7], ["fe80::", 10], ["ff00::", 8]] as const) INTERNAL.addSubnet(net, prefix, "ipv6");
/** Loopback and "any": addresses that are always this machine. */
const LOCAL = new BlockList();
LOCAL.addSubnet("127.0.0.0", 8, "ipv4");
LOCAL.addSubnet("0.0.0.0", 32, "ipv4");
LOCAL.addAddress("::1", "ipv6");
LOCAL.addAddress("::", "ipv6");

function familyOf(address: string): "ipv4" | "ipv6" {
  return isIP(address) === 6 ? "ipv6" : "ipv4";
}

/** The address and every IPv4 address it carries (`::ffff:10.0.0.1`, NAT64, 6to4, Teredo…): where it may lead. */
function forms(address: string): string[] {
  return [address, ...embeddedIpv4(address)];
}

/** Whether an address is this node: loopback, "any", or one of its interfaces (where its own gateways listen). */
function isSelf(address: string): boolean {
  const own = Object.values(networkInterfaces()).flatMap((list) => (list ?? []).map((i) => i.address));
  return forms(address).some((plain) => LOCAL.check(plain, familyOf(plain)) || own.includes(plain));
}

function isInternal(address: string): boolean {
  return forms(address).some((plain) => INTERNAL.check(plain, familyOf(plain))) || isSelf(address);
}

/** The operator's entries that name `host` exactly (no wildcard): with no port (any port) or with these ports. */
function exactEntries(operatorHosts: readonly string[], host: string): { anyPort: boolean; ports: Set<string> } {
  const ports = new Set<string>();
  let anyPort = false;
  const wanted = host.toLowerCase().replace(/^\[|\]$/g, "");
  for (const raw of operatorHosts) {
    if (raw.includes("*")) continue;
    const { name, port } = parseHostEntry(raw);
    if (name !== wanted) continue;
    if (port === undefined) anyPort = true;
    else ports.add(port);
  }
  return { anyPort, ports };
}

/**
 * Whether a caller's request to `host:port` may go to `address` (what the host resolved to). Public addresses: yes
 * (the host lists were checked before). Internal ones only when the operator named this very host; the node itself
 * (its loopback and interfaces, where its own gateways listen) only when the operator also named the port.
 */
export function addressAllowed(operatorHosts: readonly string[], host: string, address: string, port: string): boolean {
  if (!isInternal(address)) return true;
  const named = exactEntries(operatorHosts, host);
  if (isSelf(address)) return named.ports.has(port);
  return named.anyPort || named.ports.has(port);
}

/**
 * Resolves `url`'s host once and checks every address against the operator's grant; the returned dispatcher connects
 * only to those addresses, so a DNS answer that changes between the check and the connection cannot point inside.
 */
export async function pinnedDispatcher(url: URL, operatorHosts: readonly string[]): Promise<Agent> {
  const host = url.hostname.replace(/^\[|\]$/g, "");
  const port = url.port || (url.protocol === "https:" ? "443" : "80");
  const addresses = isIP(host) !== 0 ? [{ address: host, family: isIP(host) }] : await lookup(host, { all: true }).catch((error: Error) => {
    throw new ToolError("WFX_HTTP_FAILED", `cannot resolve ${host}: ${error.message}`, { hint: "check the host name", retryable: true, cause: error });
  });
  const refused = addresses.find((a) => !addressAllowed(operatorHosts, host, a.address, port));
  if (refused !== undefined) {
    throw new ToolError("WFX_HTTP_HOST_NOT_ALLOWED", `${host}:${port} is ${refused.address}, an internal address (this node, loopback, link-local or a private network) that workflows sent by callers may not reach`, {
      hint: "only the node's operator can open it: list this exact host (and, for the node itself, its port) in caller_policy.http_hosts",
    });
  }
  // undici loads with the first http call: a process that makes none never pays for it.
  const { Agent: Dispatcher } = await import("undici");
  return new Dispatcher({
    connect: {
      lookup(_hostname, options, callback) {
        const wanted = options.family === 4 || options.family === 6 ? addresses.filter((a) => a.family === options.family) : addresses;
        const pick = wanted.length > 0 ? wanted : addresses;
        if (options.all) callback(null, pick as never, 0);
        else callback(null, pick[0]!.address, pick[0]!.family);
      },
    },
  });
}
