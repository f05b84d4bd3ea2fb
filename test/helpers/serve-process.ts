import { CLUSTER_KEY_ENV } from "./cluster-key.js";
import { spawn, type ChildProcess } from "node:child_process";
import { WFX } from "./cli.js";

/** A real `wfx serve` in a child process, on free ports, over a data dir; killable like a crashed node. */
export interface ServeProcess {
  child: ChildProcess;
  /** Its HTTP gateway; a node serving none: its probe port (--probe-port). */
  url: string;
  /** The probe port it printed (started with `--probe-port` or WFX_PROBE_PORT); undefined without one. */
  probeUrl(): string | undefined;
  /** The gRPC address it printed (started with `--grpc-port`); undefined when it serves no gRPC. */
  grpc(): string | undefined;
  stderr(): string;
  kill(signal?: NodeJS.Signals): Promise<void>;
}

/** `nodeFlags` go to node itself, before the script (a benchmark's `--cpu-prof`, which NODE_OPTIONS refuses). */
export async function startServe(dataDir: string, args: string[] = [], env: Record<string, string> = {}, command: "serve" | "node" = "serve", nodeFlags: string[] = []): Promise<ServeProcess> {
  // gRPC only when asked for with --grpc-port (0 for a free port).
  const grpc = args.includes("--grpc-port") ? [] : ["--no-grpc"];
  return startWfxProcess([command, "--port", "0", ...grpc, "--data-dir", dataDir, ...args], { ...process.env, WFX_LOG_LEVEL: "info", ...CLUSTER_KEY_ENV, ...env }, nodeFlags);
}

/** A `wfx serve` / `wfx node` child whose banner is printed, whatever endpoints it names (a node may serve none). */
export interface BannerProcess {
  child: ChildProcess;
  stderr(): string;
  kill(signal?: NodeJS.Signals): Promise<void>;
}

/** `wfx` with exactly these arguments and this environment (nothing inherited), resolved once its banner is printed. */
export async function startWfxBanner(args: string[], env: Record<string, string | undefined>, nodeFlags: string[] = []): Promise<BannerProcess> {
  const child = spawn(process.execPath, [...nodeFlags, WFX, ...args], { env, stdio: ["ignore", "ignore", "pipe"] });
  let stderr = "";
  await new Promise<void>((resolve, reject) => {
    child.stderr!.on("data", (chunk: Buffer) => {
      stderr += chunk;
      // The banner's last line: every endpoint it names has been printed.
      if (/\n  logs:/.test(stderr)) resolve();
    });
    child.once("exit", (code) => reject(new Error(`wfx ${args[0] ?? ""} exited with ${code}: ${stderr}`)));
  });
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  return {
    child,
    stderr: () => stderr,
    async kill(signal = "SIGKILL") {
      if (child.exitCode === null && child.signalCode === null) child.kill(signal);
      await exited;
    },
  };
}

/** `wfx` with exactly these arguments and this environment (nothing inherited), resolved once its banner says it serves. */
export async function startWfxProcess(args: string[], env: Record<string, string | undefined>, nodeFlags: string[] = []): Promise<ServeProcess> {
  const started = await startWfxBanner(args, env, nodeFlags);
  const stderr = started.stderr;
  const found = /(?:HTTP|probes):\s+(http:\/\/[^\s]+)/.exec(stderr());
  if (!found) {
    await started.kill();
    throw new Error(`wfx ${args[0] ?? ""} serves neither HTTP nor a probe port: ${stderr()}`);
  }
  return {
    ...started,
    url: found[1]!,
    grpc: () => /gRPC:\s+([^\s]+)/.exec(stderr())?.[1],
    probeUrl: () => /probes:\s+(http:\/\/[^\s]+)/.exec(stderr())?.[1],
  };
}
