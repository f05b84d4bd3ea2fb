/** One entry of an allow-list of hosts (`api.example.com`, `*.example.com`, `host:port`, `[::1]:8080`), lowercased, brackets off. */
export interface HostEntry {
  name: string;
  /** Undefined: any port. */
  port: string | undefined;
}

export function parseHostEntry(raw: string): HostEntry {
  const entry = raw.toLowerCase();
  if (entry.startsWith("[")) {
    const close = entry.indexOf("]");
    return { name: entry.slice(1, close), port: entry.slice(close + 2) || undefined };
  }
  const [name, port] = entry.split(":") as [string, string | undefined];
  return { name, port: port || undefined };
}
