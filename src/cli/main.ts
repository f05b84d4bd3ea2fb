#!/usr/bin/env node
import { parseArgs } from "node:util";
import { CliError } from "./cli-error.js";
import { EXIT } from "./exit-codes.js";
import type { ClusterKeyFlags } from "./cluster-key-flags.js";
import type { Io } from "./io.js";
import { OPTIONS } from "./cli-options.js";
import { COMMAND_USAGE, commandHelp, USAGE } from "./help.js";
import { VERSION } from "../gateway/version.js";
import { given } from "../present.js";

// Each command loads only what it uses (the engine, NATS, the gateways): `wfx --version` starts about as fast as node.

function parse(command: string, argv: string[]) {
  try {
    return parseArgs({ args: argv, options: OPTIONS[command]!, allowPositionals: true, strict: true });
  } catch (error) {
    throw new CliError(`${(error as Error).message.replace(/\. To specify a positional.*$/s, "")}`, { hint: `see \`wfx ${command} --help\`` });
  }
}

/** The one positional argument `command` takes; `what` names it for people ("an execution id"). */
function onePositional(command: string, positionals: string[], what: string): string {
  if (positionals.length === 0) throw new CliError(`missing ${what}`, { hint: `usage: ${COMMAND_USAGE[command]}` });
  if (positionals.length > 1) throw new CliError(`wfx ${command} takes one argument (${what}), got ${positionals.length}: ${positionals.join(" ")}`, { hint: `usage: ${COMMAND_USAGE[command]}` });
  return positionals[0]!;
}

async function checkIdempotencyKey(key: string | undefined, describe: boolean): Promise<string | undefined> {
  if (key === undefined) return undefined;
  const { MAX_IDEMPOTENCY_KEY_LENGTH } = await import("../engine/idempotency.js");
  if (key === "" || key.length > MAX_IDEMPOTENCY_KEY_LENGTH) throw new CliError(`--idempotency-key must be 1 to ${MAX_IDEMPOTENCY_KEY_LENGTH} characters, got ${key.length}`);
  // Each --describe run generates and saves a new file, so a repeat would never be the same run.
  if (describe) throw new CliError("--idempotency-key does not go with --describe", { hint: "save the workflow with `wfx generate --out FILE`, then `wfx run FILE --idempotency-key KEY`" });
  return key;
}

/** `--nats URL` (repeatable): read and cancel executions in that cluster's store instead of the data dir's, with its key. */
async function natsOf(values: Record<string, unknown>): Promise<{ nats?: string[]; clusterKey: ClusterKeyFlags }> {
  const { clusterKeyFlagsOf } = await import("./cluster-key-flags.js");
  return { ...(Array.isArray(values["nats"]) ? { nats: values["nats"] as string[] } : {}), clusterKey: clusterKeyFlagsOf(values) };
}

export async function main(argv: string[], io: Io): Promise<number> {
  const [command, ...rest] = argv;
  if (command === undefined || command === "-h" || command === "--help" || command === "help") {
    io.out.write(`${USAGE}\n`);
    return command === undefined ? EXIT.badInput : EXIT.ok;
  }
  if (command === "--version" || command === "version") {
    io.out.write(`${VERSION}\n`);
    return EXIT.ok;
  }
  if (!(command in OPTIONS)) throw new CliError(`unknown command '${command}'`, { hint: `commands: ${Object.keys(OPTIONS).join(", ")}` });
  const { values, positionals } = parse(command, rest);
  if (values.help) {
    io.out.write(`${commandHelp(command)}\n`);
    return EXIT.ok;
  }
  const json = values.json === true;
  const dataDir = values["data-dir"] as string | undefined;
  const common = { json, ...given({ dataDir }) };
  switch (command) {
    case "run": {
      const timeout = values.timeout === undefined ? undefined : Number(values.timeout);
      if (timeout !== undefined && !(timeout > 0)) throw new CliError(`--timeout must be a positive number of seconds, got '${values.timeout}'`);
      const describe = values.describe as string | undefined;
      if (describe !== undefined && positionals.length > 0) throw new CliError("wfx run takes a FILE or --describe, not both", { hint: 'wfx run --describe "what the workflow should do"' });
      if (describe === undefined && (values.complexity !== undefined || values.out !== undefined)) throw new CliError("--complexity and --out go with --describe");
      const key = await checkIdempotencyKey(values["idempotency-key"] as string | undefined, describe !== undefined);
      const [{ runCommand, checkMode }, { checkComplexity }, { parseBudgetFlag }, { parsePriorityFlag }] = await Promise.all([import("./commands/run.js"), import("./complexity-flag.js"), import("./budget-flag.js"), import("./priority-flag.js")]);
      return runCommand({
        ...common,
        file: describe === undefined ? onePositional(command, positionals, "the workflow file") : "",
        ...given({ describe }),
        ...(values.complexity === undefined ? {} : { complexity: checkComplexity(values.complexity as string) }),
        ...(values.out === undefined ? {} : { out: values.out as string }),
        ...(values.env === undefined ? {} : { environment: values.env as string }),
        ...(values.override === undefined ? {} : { override: values.override as string }),
        ...given({ idempotencyKey: key }),
        ...(values.budget === undefined ? {} : { budget: parseBudgetFlag(values.budget as string) }),
        ...(values.priority === undefined ? {} : { priority: parsePriorityFlag(values.priority as string) }),
        mode: checkMode(values.mode as string),
        background: values.background === true,
        ...(values.workflow === undefined ? {} : { workflow: values.workflow as string }),
        ...(values.input === undefined ? {} : { input: values.input as string }),
        ...given({ timeout }),
      }, io);
    }
    case "generate": {
      const [{ generateCommand }, { checkComplexity }] = await Promise.all([import("./commands/generate.js"), import("./complexity-flag.js")]);
      return generateCommand({
        json,
        description: onePositional(command, positionals, "the description"),
        force: values.force === true,
        template: values.template === true,
        ...(values.complexity === undefined ? {} : { complexity: checkComplexity(values.complexity as string) }),
        ...(values.name === undefined ? {} : { name: values.name as string }),
        ...(values.out === undefined ? {} : { out: values.out as string }),
        ...(values.tags === undefined ? {} : { tags: values.tags as string }),
      }, io);
    }
    case "status": {
      const id = onePositional(command, positionals, "the execution id");
      return (await import("./commands/status.js")).statusCommand({ ...common, id, follow: values.follow === true, ...(await natsOf(values)) }, io);
    }
    case "cancel": {
      const id = onePositional(command, positionals, "the execution id");
      return (await import("./commands/cancel.js")).cancelCommand({ ...common, id, ...(await natsOf(values)) }, io);
    }
    case "validate": {
      const file = onePositional(command, positionals, "the workflow file");
      return (await import("./commands/validate.js")).validateCommand({ json, file }, io);
    }
    case "list":
      if (positionals.length > 1) throw new CliError(`wfx list takes at most one directory, got ${positionals.length}`);
      return (await import("./commands/list.js")).listCommand({ json, dir: positionals[0] ?? ".", ...(values.pattern === undefined ? {} : { pattern: values.pattern as string }) }, io);
    case "serve":
    case "node":
      if (positionals.length > 0) throw new CliError(`wfx ${command} takes no positional arguments, got: ${positionals.join(" ")}`, { hint: "name workflow folders with --workflows DIR" });
      // The gateways (gRPC, the MCP SDK) load only for the commands that serve them.
      return (await import("./commands/serve.js")).serveCommand(values, io, command);
    case "nodes":
      return (await import("./commands/nodes.js")).nodesCommand({ json, watch: values.watch === true, nats: (values.nats as string[] | undefined) ?? [], clusterKey: (await natsOf(values)).clusterKey }, io);
    case "drain":
    case "undrain": {
      const node = onePositional(command, positionals, "node");
      return (await import("./commands/drain.js")).drainCommand({ json, node, nats: (values.nats as string[] | undefined) ?? [], clusterKey: (await natsOf(values)).clusterKey, undo: command === "undrain" }, io);
    }
    case "cluster-key":
      io.out.write(`${(await import("./cluster-key-flags.js")).generateClusterKey()}\n`);
      return EXIT.ok;
    case "mcp":
      return (await import("./commands/mcp.js")).mcpCommand(values);
  }
  return EXIT.badInput;
}

function report(error: unknown, io: Io): number {
  if (error instanceof CliError) {
    io.err.write(`wfx: ${error.message}\n${error.hint ? `  hint: ${error.hint}\n` : ""}`);
    return error.exitCode;
  }
  const err = error as { code?: string; message?: string; hint?: string };
  if (typeof err?.code === "string" && err.code.startsWith("WFX_")) {
    io.err.write(`wfx: ${err.message} [${err.code}]\n${err.hint ? `  hint: ${err.hint}\n` : ""}`);
    return EXIT.badInput;
  }
  io.err.write(`wfx: internal error: ${(error as Error)?.stack ?? String(error)}\n  please report this with the command you ran\n`);
  return EXIT.failed;
}

const io: Io = { out: process.stdout, err: process.stderr };
main(process.argv.slice(2), io).then(
  (code) => {
    process.exitCode = code;
  },
  (error) => {
    process.exitCode = report(error, io);
  },
);
