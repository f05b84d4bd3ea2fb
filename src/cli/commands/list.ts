import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { listWorkflows } from "../../engine/workflow-catalog.js";
import { CliError } from "../cli-error.js";
import { EXIT } from "../exit-codes.js";
import type { Io } from "../io.js";

/** A file that declares workflows (a top-level `workflows:` key) and fails to load is worth a warning; other YAML is not ours. */
async function declaresWorkflows(path: string): Promise<boolean> {
  const text = await readFile(path, "utf8").catch(() => "");
  return /^workflows\s*:/m.test(text);
}

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
  let quiet = 0;
  for (const bad of invalid_files) {
    if (await declaresWorkflows(join(options.dir, bad.file))) io.err.write(`skipped ${bad.file}: ${bad.error}\n`);
    else quiet++;
  }
  const skipped = quiet === 0 ? "" : ` (skipped ${quiet} YAML file${quiet === 1 ? "" : "s"} that declare no workflows)`;
  io.out.write(`Found ${total_count} workflow${total_count === 1 ? "" : "s"}${skipped}\n`);
  return EXIT.ok;
}
