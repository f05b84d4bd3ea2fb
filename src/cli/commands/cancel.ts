import { EXIT } from "../exit-codes.js";
import type { Io } from "../io.js";
import { openRuntime } from "../open-runtime.js";

export async function cancelCommand(options: { id: string; json: boolean; dataDir?: string }, io: Io): Promise<number> {
  const runtime = await openRuntime(options.dataDir);
  try {
    const result = await runtime.cancel(options.id);
    io.out.write(options.json ? `${JSON.stringify(result)}\n` : `${result.message}\n`);
    return result.cancelled ? EXIT.ok : result.status === "not_found" ? EXIT.notFound : EXIT.failed;
  } finally {
    await runtime.close();
  }
}
