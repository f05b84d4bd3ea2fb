import { setTimeout as sleep } from "node:timers/promises";
import type { NodeInfo } from "../../engine/internal.js";
import { CliError } from "../cli-error.js";
import { natsServers } from "../nats-servers.js";
import { observeCluster } from "../observe-cluster.js";
import { EXIT } from "../exit-codes.js";
import type { Io } from "../io.js";
import type { ClusterKeyFlags } from "../cluster-key-flags.js";

export interface NodesOptions {
  json: boolean;
  watch: boolean;
  nats: string[];
  clusterKey?: ClusterKeyFlags;
}

/** Answers to the join-time hello arrive within a few ms; this leaves room for a slow link. */
const GATHER_MS = 600;

function table(nodes: readonly NodeInfo[]): string {
  const rows = [["ID", "STATUS", "TAGS", "LOAD", "STEPS", "FREE", "GATEWAYS"], ...nodes.map((n) => [n.id, n.insecure ? `${n.status} (insecure)` : n.status, n.tags.join(",") || "-", `${n.load}/${n.capacity}`, n.steps === undefined ? "-" : `${n.steps.load}/${n.steps.capacity}`, freeResources(n), n.gateways.map((g) => `${g.kind} ${g.address}`).join(", ") || "-"])];
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => r[i]!.length)));
  return rows.map((r) => r.map((cell, i) => (i === r.length - 1 ? cell : cell.padEnd(widths[i]!))).join("  ")).join("\n");
}

/** `wfx nodes`: the cluster's nodes, from the beats they publish on NATS (`--watch`: every change as it happens). */
export async function nodesCommand(options: NodesOptions, io: Io): Promise<number> {
  const servers = natsServers(options.nats);
  if (servers.length === 0) throw new CliError("wfx nodes needs the cluster's NATS", { hint: "pass --nats nats://host:4222 or set WFX_NATS_URL" });
  const { cluster, registry } = await observeCluster(servers, "nodes", options.clusterKey);
  try {
    await sleep(GATHER_MS);
    if (!options.watch) {
      const nodes = await registry.list();
      io.out.write(options.json ? `${JSON.stringify({ nodes, total_count: nodes.length })}\n` : `${table(nodes)}\n`);
      return EXIT.ok;
    }
    // The current nodes first (as node.up), then every change, until Ctrl-C.
    await new Promise<void>((resolve) => {
      const stop = registry.watch(0, (event) => io.out.write(options.json ? `${JSON.stringify(event)}\n` : `${event.type.padEnd(12)} ${event.node.id}  ${event.node.status}  ${event.node.tags.join(",")}\n`));
      process.once("SIGINT", () => (stop(), resolve()));
    });
    return EXIT.ok;
  } finally {
    await cluster.close();
  }
}

/** `gpu 1/2, memory_gb 48/64`: what placed steps have not reserved, of all the node has. */
function freeResources(node: NodeInfo): string {
  const total = Object.entries(node.resources?.total ?? {});
  return total.length === 0 ? "-" : total.map(([name, amount]) => `${name} ${node.resources!.free[name] ?? 0}/${amount}`).join(", ");
}
