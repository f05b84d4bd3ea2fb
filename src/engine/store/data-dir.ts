import { homedir } from "node:os";
import { join, resolve } from "node:path";

/** Where the embedded store keeps its data: `WFX_DATA_DIR` when set, else `~/.wfx/data`. Always absolute. */
export function resolveDataDir(env: NodeJS.ProcessEnv = process.env): string {
  const fromEnv = env.WFX_DATA_DIR?.trim();
  if (fromEnv) return resolve(fromEnv.startsWith("~/") ? join(homedir(), fromEnv.slice(2)) : fromEnv);
  return join(homedir(), ".wfx", "data");
}
