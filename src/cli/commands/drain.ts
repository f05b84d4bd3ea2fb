import { decodeJson } from "../../cluster/codec.js";
import { drainSubject, undrainSubject } from "../../cluster/index.js";
import type { NodeInfo } from "../../engine/internal.js";
import { CliError } from "../cli-error.js";
import type { ClusterKeyFlags } from "../cluster-key-flags.js";
import { EXIT } from "../exit-codes.js";
import type { Io } from "../io.js";
import { natsServers } from "../nats-servers.js";
import { observeCluster } from "../observe-cluster.js";

/**
 * `wfx drain NODE`: asks one node, over the cluster's NATS and signed with the cluster key, to take nothing new and
 * finish what it runs; `wfx undrain NODE` (`undo`) asks it to take work again.
 */
export async function drainCommand(options: { node: string; json: boolean; nats: string[]; clusterKey?: ClusterKeyFlags; undo?: boolean }, io: Io): Promise<number> {
  const command = options.undo === true ? "undrain" : "drain";
  const servers = natsServers(options.nats);
  if (servers.length === 0) throw new CliError(`wfx ${command} needs the cluster's NATS`, { hint: "pass --nats nats://host:4222 or set WFX_NATS_URL" });
  const { cluster } = await observeCluster(servers, command, options.clusterKey);
  try {
    const subject = options.undo === true ? undrainSubject(options.node) : drainSubject(options.node);
    const answer = await cluster.wire!.request(subject, new Uint8Array(0), { timeout: 3000 }).catch(() => {
      throw new CliError(`no node '${options.node}' answered`, { hint: "wfx nodes lists the nodes and their ids; a node answers only a drain signed with its cluster key (WFX_CLUSTER_KEY)", exitCode: EXIT.notFound });
    });
    const node = decodeJson<NodeInfo>(answer)!;
    const what = node.status === "draining" ? "it takes nothing new and finishes what it runs" : node.status === "up" ? "it takes work again" : "it is shutting down and cannot take work again";
    io.out.write(options.json ? `${JSON.stringify(node)}\n` : `node ${node.id} is ${node.status}: ${what}\n`);
    if (options.undo === true && node.status !== "up") return EXIT.failed;
    return EXIT.ok;
  } finally {
    await cluster.close();
  }
}
