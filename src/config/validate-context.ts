import type { ConfigProblemCode } from "./problem-codes.js";
import type { Problem } from "./problems.js";
import type { ValidateOptions } from "./validate-options.js";
import { formatYamlPath, locate, type LoadedSource, type YamlPath } from "./yaml-location.js";

/** A mapping: an object that is neither null nor an array. */
export function isRecord(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === "object" && !Array.isArray(value);
}

/** Semantic checks read the raw parsed data (so they run even when the schema fails); these read it defensively. */
export function asRecord(value: unknown): Record<string, unknown> | undefined {
  return isRecord(value) ? value : undefined;
}

export function asArray(value: unknown): unknown[] {
  return Array.isArray(value) ? value : [];
}

/** A non-empty string, else undefined. */
export function asString(value: unknown): string | undefined {
  return typeof value === "string" && value !== "" ? value : undefined;
}

/** Collects problems, placing each at its node's line and column. */
export class ProblemSink {
  readonly problems: Problem[] = [];

  constructor(readonly source: LoadedSource) {}

  report(code: ConfigProblemCode, path: YamlPath, message: string, hint: string, where: { at?: "key" | "value"; offset?: number } = {}): void {
    this.problems.push({ code, message, path: formatYamlPath(path), hint, ...locate(this.source, path, where) });
  }
}

/** What names exist in the section being checked (the file, or an environment overlay merged over it). */
export interface Catalog {
  agentIds: readonly string[];
  /** Each declared agent's raw definition (shorthand normalised), for checks that read its fields. */
  agents: ReadonlyMap<string, Record<string, unknown>>;
  toolIds: readonly string[];
  workflowNames: readonly string[];
  toolTypes: readonly string[];
}

export interface CheckContext {
  sink: ProblemSink;
  catalog: Catalog;
  options: Readonly<ValidateOptions>;
  /** Folder function modules resolve against, when there is one. */
  baseDir: string | undefined;
}
