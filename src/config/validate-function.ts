import { existsSync, readdirSync, realpathSync } from "node:fs";
import { dirname, isAbsolute, relative, resolve } from "node:path";
import type { FunctionRef } from "./schema.js";
import { parseFunctionRef } from "./step-id.js";
import { closestMatch } from "./suggest.js";
import type { CheckContext } from "./validate-context.js";
import type { YamlPath } from "./yaml-location.js";

const MODULE_EXTENSIONS = [".js", ".mjs", ".cjs"];

function escapes(base: string, target: string): boolean {
  const rel = relative(base, target);
  return rel.startsWith("..") || isAbsolute(rel);
}

/**
 * A function step's module must sit in the workflow file's folder or below it (symlinks are followed), and exist.
 * Without a base folder (text with no file behind it) only the lexical escape check runs.
 */
export function checkFunctionModule(ref: FunctionRef, path: YamlPath, ctx: CheckContext): void {
  const { module } = parseFunctionRef(ref);
  const base = ctx.baseDir ?? "/__workflow__";
  const target = resolve(base, module);
  if (escapes(base, target)) {
    ctx.sink.report("WFX_FUNCTION_OUTSIDE_FOLDER", path, `module '${module}' is outside the workflow file's folder`, "put the module in the workflow's folder (or below it) and name it relatively, e.g. ./steps.js#clean");
    return;
  }
  if (ctx.baseDir === undefined || !ctx.options.checkFunctionFiles) return;
  if (!existsSync(target)) {
    let siblings: string[] = [];
    try {
      siblings = readdirSync(dirname(target)).filter((f) => MODULE_EXTENSIONS.some((e) => f.endsWith(e)));
    } catch {
      siblings = [];
    }
    const wanted = target.slice(dirname(target).length + 1);
    const match = closestMatch(wanted, siblings);
    const hint = match !== undefined ? `did you mean './${relative(ctx.baseDir, resolve(dirname(target), match))}'?` : `create ${relative(process.cwd(), target) || target} exporting the function`;
    ctx.sink.report("WFX_FUNCTION_NOT_FOUND", path, `module '${module}' does not exist`, hint);
    return;
  }
  try {
    if (escapes(realpathSync(ctx.baseDir), realpathSync(target))) {
      ctx.sink.report("WFX_FUNCTION_OUTSIDE_FOLDER", path, `module '${module}' links to a file outside the workflow file's folder`, "copy the module into the workflow's folder instead of linking to it");
    }
  } catch {
    // Vanished between the checks; the engine reports it when it imports the module.
  }
}
