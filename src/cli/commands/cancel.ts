import type { Io } from "../io.js";
import type { ClusterKeyFlags } from "../cluster-key-flags.js";
import { withClient } from "../open-runtime.js";
import { cancelOutcome, unknownExecutionHint } from "../unknown-execution.js";

export async function cancelCommand(options: { id: string; json: boolean; dataDir?: string; nats?: string[]; clusterKey?: ClusterKeyFlags }, io: Io): Promise<number> {
  return withClient(options.dataDir, async (client) => {
    const result = await client.cancel(options.id);
    const outcome = cancelOutcome(result, unknownExecutionHint(options.nats, options.dataDir));
    if (options.json) io.out.write(`${JSON.stringify(result)}\n`);
    else (outcome.toErr ? io.err : io.out).write(outcome.text);
    return outcome.code;
  }, options.nats, options.clusterKey);
}
