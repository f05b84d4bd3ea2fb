import { fork, type ChildProcess } from "node:child_process";
import { fileURLToPath } from "node:url";

/** Forks `bench/lib/<entry>.js` with `args` and resolves once it sends "ready"; `stop` disconnects it and waits for its exit. */
export async function readyChild(entry: string, args: string[]): Promise<{ child: ChildProcess; stop(): Promise<void> }> {
  const child = fork(fileURLToPath(new URL(`./${entry}.js`, import.meta.url)), args, { stdio: ["ignore", "inherit", "inherit", "ipc"] });
  await new Promise<void>((resolve, reject) => {
    child.once("message", (message) => (message === "ready" ? resolve() : reject(new Error(`${entry} said ${JSON.stringify(message)}`))));
    child.once("exit", (code) => reject(new Error(`${entry} exited with code ${code} before it was ready`)));
  });
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  return {
    child,
    async stop() {
      if (child.connected) child.disconnect();
      await exited;
    },
  };
}
