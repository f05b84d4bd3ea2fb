import { CLUSTER_KEY_ENV } from "./cluster-key.js";
import { spawn, type ChildProcess } from "node:child_process";
import { fileURLToPath } from "node:url";

export const WFX = fileURLToPath(new URL("../../src/cli/main.js", import.meta.url));

export interface CliResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

export interface CliOptions {
  dataDir: string;
  cwd?: string;
  env?: Record<string, string>;
  /** Killed (SIGTERM) after this long, so a command that should have refused to start cannot hang the suite. */
  timeoutMs?: number;
}

/** A running `wfx` command: what it has written so far, and its result once it exits. */
export interface RunningCli {
  child: ChildProcess;
  stdout(): string;
  stderr(): string;
  done: Promise<CliResult>;
}

/** Starts the real `wfx` command in a child process. */
export function startWfx(args: string[], options: CliOptions): RunningCli {
  const child = spawn(process.execPath, [WFX, ...args], {
    cwd: options.cwd ?? process.cwd(),
    env: { ...process.env, WFX_DATA_DIR: options.dataDir, ...CLUSTER_KEY_ENV, ...options.env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let stdout = "";
  let stderr = "";
  child.stdout!.on("data", (d) => (stdout += d));
  child.stderr!.on("data", (d) => (stderr += d));
  const timer = options.timeoutMs === undefined ? undefined : setTimeout(() => child.kill("SIGTERM"), options.timeoutMs);
  const done = new Promise<CliResult>((resolve) =>
    child.on("close", (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    }),
  );
  return { child, stdout: () => stdout, stderr: () => stderr, done };
}

/** Runs the real `wfx` command in a child process to its end. */
export function wfx(args: string[], options: CliOptions): Promise<CliResult> {
  return startWfx(args, options).done;
}
