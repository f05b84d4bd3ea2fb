import type { ConfigProblemCode } from "./problem-codes.js";

/** One thing wrong with a workflow file: where it is (YAML path, 1-based line and column) and how to fix it. */
export interface Problem {
  code: ConfigProblemCode;
  message: string;
  /** YAML path such as `workflows.main.steps[2].depends_on[0]`; empty for the whole file. */
  path: string;
  line?: number;
  column?: number;
  hint: string;
}

/** Renders problems compiler-style: `file:line:col error CODE path: message` plus an indented hint line. */
export function formatProblems(problems: readonly Problem[], sourcePath: string, severity: "error" | "warning" = "error"): string {
  return problems
    .map((p) => {
      const where = p.line === undefined ? sourcePath : `${sourcePath}:${p.line}:${p.column ?? 1}`;
      const subject = p.path === "" ? p.message : `${p.path}: ${p.message}`;
      return `${where} ${severity} ${p.code} ${subject}\n    hint: ${p.hint}`;
    })
    .join("\n");
}

/** Orders problems by position so the first one printed is the first one in the file. */
export function sortProblems(problems: Problem[]): Problem[] {
  return problems.sort((a, b) => (a.line ?? 0) - (b.line ?? 0) || (a.column ?? 0) - (b.column ?? 0));
}

/** Drops repeats of the same code at the same path (schema and semantic passes may both notice one mistake). */
export function dedupeProblems(problems: readonly Problem[]): Problem[] {
  const seen = new Set<string>();
  return problems.filter((p) => {
    const key = `${p.code}\u0000${p.path}\u0000${p.message}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}
