import { spawn } from "node:child_process";
import { fileURLToPath } from "node:url";

export const WFX = fileURLToPath(new URL("../../src/cli/main.js", import.meta.url));

export interface CliResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs the real `wfx` command in a child process. */
export function wfx(args: string[], options: { dataDir: string; cwd?: string; env?: Record<string, string> }): Promise<CliResult> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [WFX, ...args], {
      cwd: options.cwd ?? process.cwd(),
      env: { ...process.env, WFX_DATA_DIR: options.dataDir, ...options.env },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (d) => (stdout += d));
    child.stderr.on("data", (d) => (stderr += d));
    child.on("close", (code) => resolve({ code, stdout, stderr }));
  });
}
