import { EXIT } from "../exit-codes.js";
import type { Io } from "../io.js";
import type { ClusterKeyFlags } from "../cluster-key-flags.js";
import { withClient } from "../open-runtime.js";

export async function cancelCommand(options: { id: string; json: boolean; dataDir?: string; nats?: string[]; clusterKey?: ClusterKeyFlags }, io: Io): Promise<number> {
  return withClient(options.dataDir, async (client) => {
    const result = await client.cancel(options.id);
    io.out.write(options.json ? `${JSON.stringify(result)}\n` : `${result.message}\n`);
    return result.cancelled ? EXIT.ok : result.status === "not_found" ? EXIT.notFound : EXIT.failed;
  }, options.nats, options.clusterKey);
}
