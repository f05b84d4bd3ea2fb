import { serveMcpStdio, VERSION } from "../../gateway/index.js";
import { ExecutorNode } from "../../node/index.js";
import { createLogger } from "../../observability/index.js";
import { CliError } from "../cli-error.js";
import { EXIT } from "../exit-codes.js";
import { cliGenerator } from "./generate.js";
import type { ServeFlags } from "./serve-flags.js";
import { gatewayOptionsFrom } from "./serve.js";

/** `wfx mcp --stdio`: MCP over stdin/stdout for desktop clients; logs go to stderr, stdout is the protocol's. */
export async function mcpCommand(flags: ServeFlags): Promise<number> {
  if (flags["stdio"] !== true) throw new CliError("wfx mcp needs --stdio", { hint: "for MCP over HTTP run `wfx serve` (it serves /mcp)" });
  const options = { ...gatewayOptionsFrom(flags, process.env), http: false, grpc: false };
  const logger = createLogger({ level: options.logLevel ?? "warn" });
  const node = await ExecutorNode.start(options, { logger, generator: cliGenerator() });
  const closed = new Promise<void>((resolve) => {
    process.stdin.once("end", resolve);
    process.stdin.once("close", resolve);
    process.once("SIGTERM", resolve);
    process.once("SIGINT", resolve);
  });
  const handle = serveMcpStdio(node.operations, { name: "workflow-executor", version: VERSION }, { logger });
  await closed;
  await handle.close();
  await node.close(node.options.shutdownGraceMs);
  return EXIT.ok;
}
