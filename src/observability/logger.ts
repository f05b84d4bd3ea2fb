import { pino, type DestinationStream, type Logger } from "pino";
import { prettyDestination, type LogFormat } from "./log-format.js";

export type { Logger };

export interface LoggerOptions {
  level: string;
  /** A file path, a stream, or (default) stderr; stdout stays free for `wfx mcp --stdio`. */
  destination?: string | DestinationStream;
  name: string;
  /** Of what goes to stderr (a file or stream given as destination stays JSON); default json. */
  format: LogFormat;
}

/** The node's pino logger; writes asynchronously so logging never blocks a request. */
export function createLogger(options: Partial<LoggerOptions> = {}): Logger {
  const destination =
    typeof options.destination === "string"
      ? pino.destination({ dest: options.destination, sync: false, mkdir: true })
      : options.destination ?? (options.format === "pretty" ? prettyDestination(process.stderr) : pino.destination({ dest: 2, sync: false }));
  return pino({ name: options.name ?? "wfx", level: options.level ?? process.env["WFX_LOG_LEVEL"] ?? "info" }, destination);
}

/** A logger that drops everything (tests, benchmarks). */
export function silentLogger(): Logger {
  return pino({ level: "silent" });
}
