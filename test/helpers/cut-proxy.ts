import { createServer, connect as tcpConnect, type Socket } from "node:net";

/** A TCP proxy to a port on loopback whose connections can be cut at once: a real network fault for one client. */
export interface CutProxy {
  url: string;
  /** Destroys every connection through the proxy (new ones are let through again). */
  cut(): void;
  /** Cuts every connection and refuses new ones until `unblock` (the client cannot reconnect: a partition). */
  block(): void;
  unblock(): void;
  close(): Promise<void>;
}

export async function cutProxy(targetPort: number): Promise<CutProxy> {
  const sockets = new Set<Socket>();
  let blocked = false;
  const server = createServer((client) => {
    if (blocked) return void client.destroy();
    const upstream = tcpConnect(targetPort, "127.0.0.1");
    for (const [a, b] of [[client, upstream], [upstream, client]] as const) {
      sockets.add(a);
      a.pipe(b);
      a.on("error", () => b.destroy());
      a.on("close", () => (sockets.delete(a), b.destroy()));
    }
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as { port: number };
  return {
    url: `nats://127.0.0.1:${port}`,
    cut: () => sockets.forEach((s) => s.destroy()),
    block: () => {
      blocked = true;
      sockets.forEach((s) => s.destroy());
    },
    unblock: () => {
      blocked = false;
    },
    close: () => new Promise((resolve) => {
      sockets.forEach((s) => s.destroy());
      server.close(() => resolve());
    }),
  };
}
