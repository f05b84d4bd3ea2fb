import { formatProblems, loadAndValidate } from "../../config/index.js";
import { EXIT } from "../exit-codes.js";
import type { Io } from "../io.js";

export async function validateCommand(options: { file: string; json: boolean }, io: Io): Promise<number> {
  const { file, problems } = await loadAndValidate(options.file);
  if (options.json) {
    io.out.write(`${JSON.stringify({ file: options.file, valid: problems.length === 0, problems })}\n`);
  } else if (problems.length === 0 && file) {
    const names = Object.keys(file.workflows);
    io.out.write(`${options.file}: valid (${names.length} workflow${names.length === 1 ? "" : "s"}: ${names.join(", ")})\n`);
  } else {
    io.err.write(`${formatProblems(problems, options.file)}\n${problems.length} problem${problems.length === 1 ? "" : "s"} found\n`);
  }
  return problems.length === 0 ? EXIT.ok : EXIT.badInput;
}
