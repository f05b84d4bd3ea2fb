import { formatProblems, isRecord, loadAndValidate, type Problem } from "../../config/index.js";
import { EXIT } from "../exit-codes.js";
import type { Io } from "../io.js";
import { unreadableFile } from "../workflow-input.js";

/** Problems of this machine rather than of the file (it may run where a model is configured): warned about. */
const MACHINE_PROBLEMS: ReadonlySet<string> = new Set(["WFX_AGENT_NO_ENDPOINT"]);

function asWarning(p: Problem): Problem {
  return { ...p, message: `${p.message}; wfx run refuses this file on this machine until it has one` };
}

/** `wfx validate FILE`: checked against this process's environment (unset `${NAME}`s are problems). */
export async function validateCommand(options: { file: string; json: boolean }, io: Io): Promise<number> {
  const { data, problems: found } = await loadAndValidate(options.file, { env: process.env });
  const problems = found.filter((p) => !MACHINE_PROBLEMS.has(p.code));
  const warnings = found.filter((p) => MACHINE_PROBLEMS.has(p.code)).map(asWarning);
  const unreadable = options.json ? undefined : unreadableFile(options.file, found);
  if (unreadable) throw unreadable;
  if (options.json) {
    io.out.write(`${JSON.stringify({ file: options.file, valid: problems.length === 0, problems, warnings })}\n`);
  } else if (problems.length === 0) {
    const workflows = isRecord(data) ? data["workflows"] : undefined;
    const names = isRecord(workflows) ? Object.keys(workflows) : [];
    io.out.write(`${options.file}: valid (${names.length} workflow${names.length === 1 ? "" : "s"}: ${names.join(", ")})\n`);
    if (warnings.length > 0) io.err.write(`${formatProblems(warnings, options.file, "warning")}\n`);
  } else {
    const all = [formatProblems(problems, options.file), ...(warnings.length > 0 ? [formatProblems(warnings, options.file, "warning")] : [])];
    io.err.write(`${all.join("\n")}\n${problems.length} problem${problems.length === 1 ? "" : "s"} found\n`);
  }
  return problems.length === 0 ? EXIT.ok : EXIT.badInput;
}
