import { createServer, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";

/** A loopback server whose requests wait until the test opens the gate they name, so a workflow's steps move on cue. */
export interface GateServer {
  url: string;
  /** Lets every waiting and later request for `name` through. */
  open(name: string): void;
  /** How many requests for `name` arrived so far. */
  arrived(name: string): number;
  /** Names with a request arrived so far, in the order their first arrived. */
  names(): string[];
  /** The most requests (of any names) held at the gate at once so far. */
  maxHeld(): number;
  close(): Promise<void>;
}

export async function startGateServer(): Promise<GateServer> {
  const waiting = new Map<string, ServerResponse[]>();
  const opened = new Set<string>();
  const counts = new Map<string, number>();
  let held = 0;
  let maxHeld = 0;
  const server = createServer((req, res) => {
    const name = decodeURIComponent((req.url ?? "/").slice(1));
    counts.set(name, (counts.get(name) ?? 0) + 1);
    if (opened.has(name)) return void res.end("open");
    waiting.set(name, [...(waiting.get(name) ?? []), res]);
    maxHeld = Math.max(maxHeld, ++held);
    // Released by the gate, or by the caller going away (its process killed): no longer held either way.
    res.once("close", () => held--);
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    open(name) {
      opened.add(name);
      for (const res of waiting.get(name) ?? []) res.end("open");
      waiting.delete(name);
    },
    arrived: (name) => counts.get(name) ?? 0,
    names: () => [...counts.keys()],
    maxHeld: () => maxHeld,
    close() {
      server.closeAllConnections();
      return new Promise((resolve) => server.close(() => resolve()));
    },
  };
}
