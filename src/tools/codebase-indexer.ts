import { z } from "zod";
import { throwIfAborted, ToolError } from "./errors.js";
import { filesystemToolFactory, type FilesystemTool } from "./filesystem.js";
import { parseToolSettings } from "./tool-settings.js";
import type { Tool, ToolCallContext, ToolFactory } from "./types.js";

export const codebaseArgsSchema = z.strictObject({
  op: z.enum(["files", "search", "read"]).describe("list source files, search their text, or read one file"),
  pattern: z.string().optional().describe("glob of the files to consider, relative to the root; default: common source and text files"),
  query: z.string().optional().describe("op=search: text to find (case-insensitive), or /regex/flags"),
  path: z.string().optional().describe("op=read: the file to read"),
});
export type CodebaseArgs = z.infer<typeof codebaseArgsSchema>;

const settingsSchema = z.strictObject({
  root: z.string().min(1).optional(),
  max_results: z.number().int().positive().optional(),
  max_bytes: z.number().int().positive().optional(),
});

const SOURCE_GLOB = "**/*.{ts,tsx,js,jsx,mjs,cjs,py,go,rs,java,kt,rb,php,c,h,cc,cpp,hpp,cs,swift,scala,sh,sql,md,yaml,yml,json,toml}";
// Skipped inside the glob walk: a big node_modules, sorted before src, would otherwise use up the glob's matches.
const SKIPPED_FOLDERS: ReadonlySet<string> = new Set(["node_modules", "dist", "build", "target", "vendor", "__pycache__"]);
const MAX_LINE = 300;

export interface CodebaseMatch {
  path: string;
  line: number;
  text: string;
}

/**
 * The built-in `codebase_indexer` tool (named, undeclared, by the source document's examples): a read-only view of a
 * source tree under one root — which files there are, where a text occurs, a file's content. Built on the rooted
 * filesystem tool, so the same confinement applies.
 */
export const codebaseIndexerToolFactory: ToolFactory = {
  type: "codebase_indexer",
  description: "Lists, searches and reads source files under one root folder (read-only)",
  create(definition, baseDir, context) {
    const { max_results: maxResults = 200, ...fsSettings } = parseToolSettings(settingsSchema, definition, "codebase_indexer", "codebase_indexer settings are root, max_results and max_bytes");
    const files = filesystemToolFactory.create({ id: definition.id, type: "filesystem", settings: fsSettings }, baseDir, context);
    return new CodebaseIndexer(definition.id, definition.description ?? codebaseIndexerToolFactory.description, files, maxResults);
  },
};

function matcherOf(query: string): (line: string) => boolean {
  const regex = /^\/(.+)\/([a-z]*)$/.exec(query);
  if (regex) {
    try {
      const re = new RegExp(regex[1]!, regex[2]!.replace(/[gy]/g, ""));
      return (line) => re.test(line);
    } catch (error) {
      throw new ToolError("WFX_TOOL_BAD_ARGS", `query ${query} is not a valid regular expression: ${(error as Error).message}`, { hint: "fix the regex, or search for plain text" });
    }
  }
  const needle = query.toLowerCase();
  return (line) => line.toLowerCase().includes(needle);
}

class CodebaseIndexer implements Tool<CodebaseArgs> {
  readonly type = "codebase_indexer";
  readonly inputSchema = codebaseArgsSchema;

  constructor(
    readonly id: string,
    readonly description: string,
    readonly files: FilesystemTool,
    readonly maxResults: number,
  ) {}

  async #sourceFiles(pattern: string | undefined, ctx: ToolCallContext): Promise<{ paths: string[]; truncated: boolean }> {
    const found = await this.files.glob(pattern ?? SOURCE_GLOB, { skipFolders: SKIPPED_FOLDERS }, ctx.signal);
    return { paths: found.matches, truncated: found.truncated === true };
  }

  async call(rawArgs: CodebaseArgs, ctx: ToolCallContext): Promise<unknown> {
    const args = codebaseArgsSchema.parse(rawArgs);
    switch (args.op) {
      case "read": {
        if (args.path === undefined) throw new ToolError("WFX_TOOL_BAD_ARGS", 'op "read" needs `path`', { hint: "pass the file to read" });
        return this.files.call({ op: "read", path: args.path }, ctx);
      }
      case "files": {
        const { paths, truncated } = await this.#sourceFiles(args.pattern, ctx);
        const byExtension: Record<string, number> = {};
        for (const p of paths) {
          const ext = /\.([^./]+)$/.exec(p)?.[1] ?? "(none)";
          byExtension[ext] = (byExtension[ext] ?? 0) + 1;
        }
        return { count: paths.length, by_extension: byExtension, files: paths.slice(0, this.maxResults), ...(truncated || paths.length > this.maxResults ? { truncated: true } : {}) };
      }
      case "search": {
        if (args.query === undefined || args.query === "") throw new ToolError("WFX_TOOL_BAD_ARGS", 'op "search" needs `query`', { hint: "pass the text (or /regex/) to find" });
        const matches = matcherOf(args.query);
        const { paths } = await this.#sourceFiles(args.pattern, ctx);
        const found: CodebaseMatch[] = [];
        let searched = 0;
        for (const path of paths) {
          throwIfAborted(ctx.signal, "codebase search");
          const file = await this.files.read(path, ctx.signal).catch((error: unknown) => {
            if (error instanceof ToolError && error.code === "WFX_FS_TOO_LARGE") return undefined;
            throw error;
          });
          if (file === undefined) continue;
          searched++;
          const lines = file.content.split("\n");
          for (let i = 0; i < lines.length; i++) {
            if (!matches(lines[i]!)) continue;
            found.push({ path, line: i + 1, text: lines[i]!.trim().slice(0, MAX_LINE) });
            if (found.length >= this.maxResults) return { query: args.query, files_searched: searched, matches: found, truncated: true };
          }
        }
        return { query: args.query, files_searched: searched, matches: found };
      }
    }
  }
}
