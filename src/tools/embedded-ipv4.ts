import { isIPv4, isIPv6 } from "node:net";

/** An IPv6 address as its 16 bytes (a trailing dotted quad and `::` included); undefined when it is none. */
function bytesOf(address: string): number[] | undefined {
  if (!isIPv6(address)) return undefined;
  let text = address.toLowerCase().replace(/%.*$/, "");
  const quad = /(\d+)\.(\d+)\.(\d+)\.(\d+)$/.exec(text);
  if (quad !== null) {
    const [a, b, c, d] = quad.slice(1).map(Number) as [number, number, number, number];
    text = `${text.slice(0, quad.index)}${((a << 8) | b).toString(16)}:${((c << 8) | d).toString(16)}`;
  }
  const [head, tail] = text.includes("::") ? text.split("::") : [text, undefined];
  const groups = (part: string | undefined) => (part === undefined || part === "" ? [] : part.split(":"));
  const left = groups(head);
  const right = groups(tail);
  const all = tail === undefined ? left : [...left, ...new Array<string>(8 - left.length - right.length).fill("0"), ...right];
  return all.flatMap((g) => {
    const n = parseInt(g, 16);
    return [n >> 8, n & 0xff];
  });
}

const v4 = (b: readonly number[], at: number, xor = 0) => b.slice(at, at + 4).map((x) => (x ^ xor) & 0xff).join(".");
const zero = (b: readonly number[], from: number, to: number) => b.slice(from, to).every((x) => x === 0);

/**
 * The IPv4 addresses an IPv6 address carries and may be routed to: mapped (`::ffff:a.b.c.d`), compatible
 * (`::a.b.c.d`), NAT64 (`64:ff9b::/96`), 6to4 (`2002:AABB:CCDD::/16`) and Teredo (`2001:0::/32`: its server, and its
 * client, stored inverted). Each is checked as the IPv4 address it names.
 */
export function embeddedIpv4(address: string): string[] {
  if (isIPv4(address)) return [];
  const b = bytesOf(address);
  if (b === undefined) return [];
  const word = (i: number) => (b[i]! << 8) | b[i + 1]!;
  if (zero(b, 0, 10) && word(10) === 0xffff) return [v4(b, 12)];
  if (zero(b, 0, 12)) return [v4(b, 12)];
  if (word(0) === 0x64 && word(2) === 0xff9b && zero(b, 4, 12)) return [v4(b, 12)];
  if (word(0) === 0x2002) return [v4(b, 2)];
  if (word(0) === 0x2001 && word(2) === 0) return [v4(b, 4), v4(b, 12, 0xff)];
  return [];
}
