import type { NatsConnection, Subscription } from "@nats-io/transport-node";
import type { NodeInfo } from "../engine/internal.js";
import { nodeInfoSubject, SERVICE_NAME, serviceDiscoverySubjects } from "./subjects.js";

/** ADR-32 metadata values are strings: tags and gateways are comma-joined. */
function metadataOf(node: NodeInfo): Record<string, string> {
  return { node_id: node.id, tags: node.tags.join(","), gateways: node.gateways.map((g) => `${g.kind}=${g.address}`).join(","), status: node.status };
}

function semver(version: string): string {
  return /^\d+\.\d+\.\d+/.test(version) ? version : "0.0.0";
}

/**
 * Answers the NATS service discovery protocol (ADR-32: `$SRV.PING|INFO|STATS`, then `.wfx`, then `.wfx.<node id>`)
 * for this node, so `nats micro ls` lists every node with its tags in the metadata; the `node` endpoint answers the
 * live record. Answered directly: @nats-io/services 3.0.0-25 is built on nats-core 3.0.0-50, whose connection type is
 * not the 3.4 one the rest of the layer uses.
 */
export class ServiceAnnouncement {
  readonly #subs: Subscription[] = [];
  readonly #started = new Date().toISOString();
  #requests = 0;

  constructor(
    readonly nc: NatsConnection,
    readonly self: () => NodeInfo,
  ) {
    const id = self().id;
    for (const verb of ["PING", "INFO", "STATS"] as const) {
      for (const subject of serviceDiscoverySubjects(verb, id)) {
        this.#subs.push(nc.subscribe(subject, { callback: (_err, msg) => void msg.respond(JSON.stringify(this.#answer(verb))) }));
      }
    }
    this.#subs.push(nc.subscribe(this.#endpointSubject(), { callback: (_err, msg) => {
      this.#requests++;
      msg.respond(JSON.stringify(this.self()));
    } }));
  }

  #endpointSubject(): string {
    return nodeInfoSubject(this.self().id);
  }

  #answer(verb: "PING" | "INFO" | "STATS"): Record<string, unknown> {
    const node = this.self();
    const identity = { name: SERVICE_NAME, id: node.id, version: semver(node.version), metadata: metadataOf(node) };
    const endpoint = { name: "node", subject: this.#endpointSubject(), queue_group: "", metadata: { tags: node.tags.join(",") } };
    if (verb === "PING") return { type: "io.nats.micro.v1.ping_response", ...identity };
    if (verb === "INFO") return { type: "io.nats.micro.v1.info_response", ...identity, description: "Workflow Executor node", endpoints: [endpoint] };
    return {
      type: "io.nats.micro.v1.stats_response",
      ...identity,
      started: this.#started,
      endpoints: [{ name: endpoint.name, subject: endpoint.subject, queue_group: "", num_requests: this.#requests, num_errors: 0, last_error: "", processing_time: 0, average_processing_time: 0, data: { load: node.load, capacity: node.capacity } }],
    };
  }

  stop(): void {
    for (const sub of this.#subs) sub.unsubscribe();
  }
}
