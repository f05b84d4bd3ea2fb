import { COMPLEXITIES } from "../generator/complexity.js";
import type { Complexity } from "../generator/types.js";
import { CliError } from "./cli-error.js";

export function checkComplexity(value: string): Complexity {
  if (!(COMPLEXITIES as readonly string[]).includes(value)) throw new CliError(`unknown complexity '${value}'`, { hint: `use one of: ${COMPLEXITIES.join(", ")}` });
  return value as Complexity;
}
