import { readFile, stat } from "node:fs/promises";
import { dirname, resolve } from "node:path";
import { LineCounter, parseDocument } from "yaml";
import { resolveLoadOptions, type LoadOptions } from "./load-options.js";
import type { Problem } from "./problems.js";
import type { WorkflowFile } from "./schema.js";
import { checkSchema } from "./schema-issues.js";
import { findExcessiveNesting } from "./yaml-depth.js";
import type { LoadedSource } from "./yaml-location.js";

export interface LoadResult {
  /** Present when the file read, parsed and matched the schema; semantic checks are `validateWorkflowFile`'s job. */
  file?: WorkflowFile;
  /** The plain data the YAML held, before schema checks; absent when the YAML itself could not be read. */
  data?: unknown;
  problems: Problem[];
  source: LoadedSource;
}

function positionOf(text: string, offset: number): { line: number; column: number } {
  const counter = new LineCounter();
  counter.addNewLine(0);
  for (let i = text.indexOf("\n"); i >= 0 && i < offset; i = text.indexOf("\n", i + 1)) counter.addNewLine(i + 1);
  const pos = counter.linePos(offset);
  return { line: pos.line, column: pos.col };
}

/** Parses YAML (a leading BOM dropped) into plain data under the limits; every failure becomes a problem, never an exception. */
export function readYaml(raw: string, sourceName: string, options: Partial<LoadOptions> = {}): { data?: unknown; problems: Problem[]; source: LoadedSource } {
  const text = raw.charCodeAt(0) === 0xfeff ? raw.slice(1) : raw;
  const limits = resolveLoadOptions(options);
  const lineCounter = new LineCounter();
  const source: LoadedSource = { path: sourceName, text, lineCounter };
  if (limits.baseDir !== undefined) source.baseDir = limits.baseDir;
  const size = Buffer.byteLength(text, "utf8");
  if (size > limits.maxBytes) {
    return { problems: [{ code: "WFX_FILE_TOO_LARGE", message: `file is ${size} bytes, more than the ${limits.maxBytes}-byte limit`, path: "", hint: "split the file, or raise maxBytes if it is really meant to be this large" }], source };
  }
  const tooDeep = findExcessiveNesting(text, limits.maxDepth);
  if (tooDeep >= 0) {
    return {
      problems: [{ code: "WFX_YAML_TOO_DEEP", message: `collections nest deeper than ${limits.maxDepth} levels`, path: "", ...positionOf(text, tooDeep), hint: "flatten the structure; workflow files never need this much nesting" }],
      source,
    };
  }
  const doc = parseDocument(text, { lineCounter, prettyErrors: true, merge: true, uniqueKeys: true });
  source.doc = doc;
  if (doc.errors.length > 0) {
    const problems: Problem[] = doc.errors.map((e) => {
      const problem: Problem = { code: "WFX_YAML_SYNTAX", message: e.message.split("\n")[0]!.replace(/ at line \d+, column \d+:?$/, ""), path: "", hint: yamlHint(e.code) };
      const pos = e.linePos?.[0];
      if (pos !== undefined) Object.assign(problem, { line: pos.line, column: pos.col });
      return problem;
    });
    return { problems, source };
  }
  try {
    return { data: doc.toJS({ maxAliasCount: limits.maxAliasCount }), problems: [], source };
  } catch (err) {
    const message = err instanceof Error ? err.message : String(err);
    if (/alias/i.test(message)) {
      return { problems: [{ code: "WFX_YAML_ALIAS_LIMIT", message: `aliases expand too much: ${message}`, path: "", hint: `use fewer *aliases (limit ${limits.maxAliasCount} expansions)` }], source };
    }
    return { problems: [{ code: "WFX_YAML_SYNTAX", message, path: "", hint: "check the YAML around anchors and tags" }], source };
  }
}

function yamlHint(code: string): string {
  switch (code) {
    case "DUPLICATE_KEY":
      return "each key may appear once per mapping; remove or rename the repeat";
    case "BAD_INDENT":
    case "MISSING_CHAR":
      return "check indentation and that every [ or { is closed";
    case "TAB_AS_INDENT":
      return "indent with spaces, not tabs";
    case "MULTIPLE_DOCS":
      return "keep one YAML document per workflow file (remove the extra ---)";
    default:
      return "fix the YAML syntax at this position";
  }
}

/** Parses workflow YAML text: limits, syntax, then the schema. `sourceName` names it in problems. Never throws for bad content. */
export function parseWorkflowYaml(text: string, sourceName: string, options: Partial<LoadOptions> = {}): LoadResult {
  const read = readYaml(text, sourceName, options);
  if (read.problems.length > 0 || !("data" in read)) return read;
  const { problems, file } = checkSchema(read.data, read.source);
  if (file === undefined) return { data: read.data, problems, source: read.source };
  return { file, data: read.data, problems, source: read.source };
}

/** Reads and parses a workflow file; a missing, unreadable or oversize file is a problem, not an exception. */
export async function loadWorkflowFile(path: string, options: Partial<LoadOptions> = {}): Promise<LoadResult> {
  const limits = resolveLoadOptions(options);
  const absolute = resolve(path);
  const source: LoadedSource = { path, text: "", lineCounter: new LineCounter(), baseDir: limits.baseDir ?? dirname(absolute) };
  const fail = (problem: Problem): LoadResult => ({ problems: [problem], source });
  let size: number;
  try {
    const info = await stat(absolute);
    if (!info.isFile()) return fail({ code: "WFX_FILE_UNREADABLE", message: `'${path}' is not a file`, path: "", hint: "pass the path of a .yaml workflow file" });
    size = info.size;
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === "ENOENT" || code === "ENOTDIR") {
      return fail({ code: "WFX_FILE_NOT_FOUND", message: `no such file '${path}'`, path: "", hint: `check the path; relative paths are resolved from ${process.cwd()}` });
    }
    return fail({ code: "WFX_FILE_UNREADABLE", message: `cannot read '${path}': ${(err as Error).message}`, path: "", hint: "check the file's permissions" });
  }
  if (size > limits.maxBytes) {
    return fail({ code: "WFX_FILE_TOO_LARGE", message: `file is ${size} bytes, more than the ${limits.maxBytes}-byte limit`, path: "", hint: "split the file, or raise maxBytes if it is really meant to be this large" });
  }
  let text: string;
  try {
    text = await readFile(absolute, "utf8");
  } catch (err) {
    return fail({ code: "WFX_FILE_UNREADABLE", message: `cannot read '${path}': ${(err as Error).message}`, path: "", hint: "check the file's permissions" });
  }
  return parseWorkflowYaml(text, path, { ...options, baseDir: source.baseDir! });
}
