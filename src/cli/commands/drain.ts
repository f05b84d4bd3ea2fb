import { connect } from "@nats-io/transport-node";
import { drainSubject } from "../../cluster/index.js";
import type { NodeInfo } from "../../engine/index.js";
import { CliError } from "../cli-error.js";
import { EXIT } from "../exit-codes.js";
import type { Io } from "../io.js";

/** `wfx drain NODE`: asks one node, over the cluster's NATS, to take nothing new and finish what it runs. */
export async function drainCommand(options: { node: string; json: boolean; nats: string[] }, io: Io): Promise<number> {
  const servers = options.nats.length > 0 ? options.nats : (process.env["WFX_NATS_URL"] ?? "").split(",").filter((s) => s.trim() !== "");
  if (servers.length === 0) throw new CliError("wfx drain needs the cluster's NATS", { hint: "pass --nats nats://host:4222 or set WFX_NATS_URL" });
  const nc = await connect({ servers, timeout: 5000 }).catch((error: Error) => {
    throw new CliError(`cannot reach NATS at ${servers.join(", ")}: ${error.message}`, { hint: "check the URL and that nats-server runs", exitCode: EXIT.failed });
  });
  try {
    const answer = await nc.request(drainSubject(options.node), undefined, { timeout: 3000 }).catch(() => {
      throw new CliError(`no node '${options.node}' answered`, { hint: "wfx nodes lists the nodes and their ids", exitCode: EXIT.notFound });
    });
    const node = answer.json<NodeInfo>();
    io.out.write(options.json ? `${JSON.stringify(node)}\n` : `node ${node.id} is ${node.status}: it takes nothing new and finishes what it runs\n`);
    return EXIT.ok;
  } finally {
    await nc.close();
  }
}
