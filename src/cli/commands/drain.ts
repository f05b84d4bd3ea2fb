import { decodeJson } from "../../cluster/codec.js";
import { drainSubject } from "../../cluster/index.js";
import type { NodeInfo } from "../../engine/internal.js";
import { CliError } from "../cli-error.js";
import type { ClusterKeyFlags } from "../cluster-key-flags.js";
import { EXIT } from "../exit-codes.js";
import type { Io } from "../io.js";
import { natsServers, observeCluster } from "../observe-cluster.js";

/** `wfx drain NODE`: asks one node, over the cluster's NATS and signed with the cluster key, to take nothing new and finish what it runs. */
export async function drainCommand(options: { node: string; json: boolean; nats: string[]; clusterKey?: ClusterKeyFlags }, io: Io): Promise<number> {
  const servers = natsServers(options.nats);
  if (servers.length === 0) throw new CliError("wfx drain needs the cluster's NATS", { hint: "pass --nats nats://host:4222 or set WFX_NATS_URL" });
  const { cluster } = await observeCluster(servers, "drain", options.clusterKey);
  try {
    const answer = await cluster.wire!.request(drainSubject(options.node), new Uint8Array(0), { timeout: 3000 }).catch(() => {
      throw new CliError(`no node '${options.node}' answered`, { hint: "wfx nodes lists the nodes and their ids; a node answers only a drain signed with its cluster key (WFX_CLUSTER_KEY)", exitCode: EXIT.notFound });
    });
    const node = decodeJson<NodeInfo>(answer)!;
    io.out.write(options.json ? `${JSON.stringify(node)}\n` : `node ${node.id} is ${node.status}: it takes nothing new and finishes what it runs\n`);
    return EXIT.ok;
  } finally {
    await cluster.close();
  }
}
