import { createLogger, isLogFormat, LOG_FORMATS, type LogFormat, type Logger } from "../observability/index.js";
import { CliError } from "./cli-error.js";

/** `--log-format`, else WFX_LOG_FORMAT, else pretty on a terminal and JSON anywhere else (a pipe, a file, a container's log). */
export function logFormatOf(flag: unknown, env: Record<string, string | undefined>, stream: { isTTY?: boolean }): LogFormat {
  const asked = typeof flag === "string" ? flag : env["WFX_LOG_FORMAT"];
  if (asked === undefined || asked === "") return stream.isTTY === true ? "pretty" : "json";
  if (isLogFormat(asked)) return asked;
  throw new CliError(`--log-format must be ${LOG_FORMATS.join(" or ")}, got '${asked}'`, { hint: "json for log collectors, pretty for a person at a terminal (the default on one)" });
}

/** The audit log: the node's default (JSON to stderr, or --audit-log FILE) unless a person reads stderr. */
export function auditLoggerFor(auditLogFile: string | undefined, format: LogFormat): { auditLogger?: Logger } {
  if (auditLogFile !== undefined || format === "json") return {};
  return { auditLogger: createLogger({ level: "info", name: "wfx-audit", format }) };
}
