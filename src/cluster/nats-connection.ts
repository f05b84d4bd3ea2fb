import { readFileSync } from "node:fs";
import { connect, credsAuthenticator, type NatsConnection } from "@nats-io/transport-node";
import { backoffDelay } from "../actors/index.js";
import type { Logger } from "../observability/index.js";
import type { ClusterOptions } from "./cluster-options.js";
import { checkServerVersion } from "./server-version.js";
import { given } from "../present.js";

/** Whether the node can use the cluster now, and if not, why (for /ready and gRPC health). */
export interface ClusterReadiness {
  ready: boolean;
  reason?: string;
  /** Set when the node runs without a cluster key: said in /ready's detail. */
  insecure?: string;
}

function connectOptions(options: Readonly<ClusterOptions>) {
  return {
    servers: [...options.servers],
    name: `wfx-${options.nodeId}`,
    // After the first connection: reconnect forever, keeping subscriptions (the client replays them).
    maxReconnectAttempts: -1,
    reconnectTimeWait: options.retryMs,
    // No stack captured per request (2 of the 3 Error objects nats.js makes per request: ~6% of a busy node's CPU); errors keep their messages.
    noAsyncTraces: true,
    ...(options.user === undefined ? {} : { user: options.user, pass: options.password }),
    ...given({ token: options.token }),
    ...(options.credsFile === undefined ? {} : { authenticator: credsAuthenticator(readFileSync(options.credsFile)) }),
    ...(options.tls === undefined
      ? {}
      : { tls: { ...(options.tls.caFile ? { caFile: options.tls.caFile } : {}), ...(options.tls.certFile ? { certFile: options.tls.certFile } : {}), ...(options.tls.keyFile ? { keyFile: options.tls.keyFile } : {}) } }),
  };
}

/**
 * The node's NATS connection: first connected with retries and backoff (logging which URL failed), then kept by the
 * client's own reconnects. `readiness` says whether it is usable and why not.
 */
export class NatsClusterConnection {
  readonly #options: Readonly<ClusterOptions>;
  readonly #logger: Logger;
  #nc: NatsConnection | undefined;
  #readiness: ClusterReadiness;
  #reconnects = 0;
  #connectedSinceMs: number | undefined;
  #closed = false;

  constructor(options: Readonly<ClusterOptions>, logger: Logger) {
    this.#options = options;
    this.#logger = logger;
    this.#readiness = { ready: false, reason: `connecting to NATS at ${options.servers.join(", ")}` };
  }

  get readiness(): ClusterReadiness {
    return this.#readiness;
  }

  get connection(): NatsConnection | undefined {
    return this.#nc;
  }

  /** Resolves once connected (retrying until `signal` aborts or the connection is closed); refuses a server too old. */
  async open(signal?: AbortSignal): Promise<NatsConnection> {
    for (let attempt = 1; ; attempt++) {
      if (this.#closed || signal?.aborted) throw new Error("the cluster connection was closed before NATS was reached");
      try {
        const nc = await connect(connectOptions(this.#options));
        const server = nc.getServer();
        try {
          checkServerVersion(nc.info?.version, server);
        } catch (error) {
          await nc.close();
          this.#readiness = { ready: false, reason: (error as Error).message };
          throw error;
        }
        this.#nc = nc;
        this.#readiness = { ready: true };
        this.#connectedSinceMs = Date.now();
        this.#logger.info({ server, version: nc.info?.version }, "connected to NATS");
        void this.#watchStatus(nc);
        return nc;
      } catch (error) {
        if ((error as { code?: string }).code === "WFX_NATS_SERVER_TOO_OLD") throw error;
        const reason = `NATS at ${this.#options.servers.join(", ")} is unreachable: ${(error as Error).message}`;
        this.#readiness = { ready: false, reason };
        const delay = backoffDelay({ initialMs: this.#options.retryMs, maxMs: this.#options.maxRetryMs, multiplier: 2, jitter: 0.2 }, attempt);
        this.#logger.warn({ servers: this.#options.servers, attempt, retry_in_ms: Math.round(delay) }, reason);
        await new Promise((resolve) => setTimeout(resolve, delay).unref());
      }
    }
  }

  async #watchStatus(nc: NatsConnection): Promise<void> {
    for await (const status of nc.status()) {
      if (status.type === "disconnect") {
        this.#readiness = { ready: false, reason: `lost NATS at ${status.server}; reconnecting` };
        this.#connectedSinceMs = undefined;
        this.#logger.warn({ server: status.server }, "lost the NATS connection; reconnecting");
      } else if (status.type === "reconnect") {
        this.#readiness = { ready: true };
        this.#reconnects++;
        this.#connectedSinceMs = Date.now();
        this.#logger.info({ server: status.server }, "reconnected to NATS");
      }
    }
  }

  /** Since when the connection has been up without a break; undefined while it is down. */
  get connectedSinceMs(): number | undefined {
    return this.#connectedSinceMs;
  }

  /** How many times the connection came back after losing NATS: what a placed step's stand-in watches to reconcile. */
  get reconnects(): number {
    return this.#reconnects;
  }

  async close(): Promise<void> {
    this.#closed = true;
    const nc = this.#nc;
    this.#nc = undefined;
    this.#readiness = { ready: false, reason: "the node is leaving the cluster" };
    if (nc !== undefined && !nc.isClosed()) await nc.drain().catch(() => nc.close());
  }
}
