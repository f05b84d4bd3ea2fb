import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import type { Readiness } from "../engine/internal.js";
import { healthAnswer, listenFailed, readinessAnswer, sendJson, type HealthAnswer } from "../gateway/index.js";

export interface ProbeServerOptions {
  host: string;
  port: number;
  nodeId: string;
  /** The node's readiness, read on every GET /ready. */
  readiness: () => Readiness;
}

// It listens on the pod network without auth: small requests, answered at once, or the connection is dropped.
const MAX_HEADER_BYTES = 4096;
const HEADERS_TIMEOUT_MS = 5000;
const REQUEST_TIMEOUT_MS = 5000;
const KEEP_ALIVE_TIMEOUT_MS = 5000;
const MAX_HEADERS = 32;

/**
 * `/health` and `/ready` only, for the kubelet of a node that serves no gateway: no auth, no other data, no other
 * method; what the HTTP gateway answers at the same paths, so a probe reads the same JSON on either port.
 */
export class ProbeServer {
  readonly #options: ProbeServerOptions;
  readonly #server: Server;

  constructor(options: ProbeServerOptions) {
    this.#options = options;
    this.#server = createServer({ maxHeaderSize: MAX_HEADER_BYTES, requestTimeout: REQUEST_TIMEOUT_MS, headersTimeout: HEADERS_TIMEOUT_MS }, (req, res) => this.#handle(req, res));
    this.#server.keepAliveTimeout = KEEP_ALIVE_TIMEOUT_MS;
    this.#server.maxHeadersCount = MAX_HEADERS;
  }

  get url(): string {
    const address = this.#server.address() as AddressInfo;
    const host = address.family === "IPv6" ? `[${address.address}]` : address.address;
    return `http://${host}:${address.port}`;
  }

  listen(): Promise<string> {
    const { host, port } = this.#options;
    return new Promise((resolve, reject) => {
      const failed = (error: Error) => reject(listenFailed(error, "probe", host, port, "--probe-port (or WFX_PROBE_PORT)"));
      this.#server.once("error", failed);
      this.#server.listen(port, host, () => {
        this.#server.off("error", failed);
        resolve(this.url);
      });
    });
  }

  /** Stops listening and ends every connection: nothing a probe holds open is worth waiting for. */
  close(): Promise<void> {
    if (!this.#server.listening) return Promise.resolve();
    const closed = new Promise<void>((resolve) => this.#server.close(() => resolve()));
    this.#server.closeAllConnections();
    return closed;
  }

  #handle(req: IncomingMessage, res: ServerResponse): void {
    const path = (req.url ?? "/").split("?")[0];
    const read = req.method === "GET" || req.method === "HEAD";
    if (read && path === "/health") return this.#send(res, healthAnswer(this.#options.nodeId));
    if (read && path === "/ready") return this.#send(res, readinessAnswer(this.#options.nodeId, this.#options.readiness()));
    // The gateway's error shape, but no hint listing routes: this port says nothing of what else the node serves.
    sendJson(res, 404, { code: "WFX_NO_ROUTE", message: "the probe port serves GET /health and GET /ready only" });
  }

  #send(res: ServerResponse, answer: HealthAnswer): void {
    sendJson(res, answer.status, answer.body);
  }
}
