import { listWorkflows } from "../../engine/workflow-catalog.js";
import { CliError } from "../cli-error.js";
import { EXIT } from "../exit-codes.js";
import type { Io } from "../io.js";

export async function listCommand(options: { dir: string; pattern?: string; json: boolean }, io: Io): Promise<number> {
  const listing = await listWorkflows(options.dir, options.pattern);
  if (listing.missing) throw new CliError(`no such directory: ${options.dir}`, { hint: "wfx list DIR names a folder of workflow files (default: the current one)" });
  if (options.json) {
    io.out.write(`${JSON.stringify(listing.result)}\n`);
    return EXIT.ok;
  }
  const { workflows, total_count, invalid_files } = listing.result;
  const width = Math.max(4, ...workflows.map((w) => w.name.length));
  for (const w of workflows) io.out.write(`${w.name.padEnd(width)}  ${String(w.steps).padStart(2)} steps  ${w.file}${w.description ? `  — ${w.description}` : ""}\n`);
  for (const bad of invalid_files) io.err.write(`skipped ${bad.file}: ${bad.error}\n`);
  io.out.write(`Found ${total_count} workflow${total_count === 1 ? "" : "s"}\n`);
  return EXIT.ok;
}
