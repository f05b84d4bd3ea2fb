import { randomBytes } from "node:crypto";
import { chmod, lstat, mkdir, readdir, readFile, realpath, rename, rm, stat, writeFile } from "node:fs/promises";
import { basename, dirname, join, relative, resolve, sep } from "node:path";
import { z } from "zod";
import { describeIssues } from "../errors.js";
import { callerDenied, cancelled, throwIfAborted, ToolError } from "./errors.js";
import { compileGlob, expandBraces, splitPattern } from "./glob.js";
import { isInside, RootedResolver } from "./rooted-path.js";
import { parseToolSettings } from "./tool-settings.js";
import type { Tool, ToolCallContext, ToolCreateContext, ToolFactory } from "./types.js";

export const filesystemArgsSchema = z.strictObject({
  op: z.enum(["read", "write", "list", "glob"]).describe("read a file, write a file, list a folder, or find paths matching a glob"),
  path: z.string().optional().describe("file (read, write) or folder (list; glob base, default the root), relative to the root"),
  pattern: z.string().optional().describe("glob for op=glob: * and ? within a name, ** across folders, {a,b} alternatives"),
  content: z.string().optional().describe("text to write for op=write (utf8)"),
});
export type FilesystemArgs = z.infer<typeof filesystemArgsSchema>;

const settingsSchema = z.strictObject({
  root: z.string().min(1).optional(),
  max_bytes: z.number().int().positive().optional(),
  max_matches: z.number().int().positive().optional(),
});

export interface FilesystemEntry {
  name: string;
  type: "file" | "dir" | "symlink";
  size: number;
}

export type FilesystemResult =
  | { path: string; content: string }
  | { path: string; bytes: number }
  | { path: string; entries: FilesystemEntry[] }
  | { pattern: string; matches: string[]; truncated?: true };

export const DEFAULT_MAX_BYTES = 1024 * 1024;
export const DEFAULT_MAX_MATCHES = 10_000;

interface FilesystemConfig {
  root: string;
  /** The root as the workflow wrote it (`settings.root`, else `.`): what messages show, never this machine's path. */
  shownRoot: string;
  maxBytes: number;
  maxMatches: number;
}

/** The built-in `filesystem` tool: read, write, list and glob, confined to `settings.root` (default: the workflow's folder). */
export const filesystemToolFactory = {
  type: "filesystem",
  description: "Reads, writes, lists and globs files inside one root folder",
  create(definition, baseDir, context?: ToolCreateContext): FilesystemTool {
    const settings = parseToolSettings(settingsSchema, definition, "filesystem", "filesystem settings are root (folder), max_bytes and max_matches (positive integers)");
    const root = resolve(baseDir, settings.root ?? ".");
    // A caller's workflow runs in its token's sandbox folder (its baseDir); its roots may not leave it.
    if (context?.caller !== undefined && !isInside(baseDir, root)) throw callerDenied(`tool '${definition.id}' has root ${settings.root}, outside the caller's sandbox folder`, "workflows sent by callers may only use relative roots inside their sandbox folder");
    const config: FilesystemConfig = Object.freeze({
      root,
      shownRoot: settings.root ?? ".",
      maxBytes: settings.max_bytes ?? DEFAULT_MAX_BYTES,
      maxMatches: settings.max_matches ?? DEFAULT_MAX_MATCHES,
    });
    return new FilesystemTool(definition.id, definition.description ?? filesystemToolFactory.description, config);
  },
} satisfies ToolFactory;

/** Options of the glob that tools built on this one use, beyond what models may pass. */
export interface GlobOptions {
  /** The folder to glob under, relative to the root (default: the root). */
  path?: string;
  /** Folder names the walk never enters, at any depth (the folders themselves may still match). */
  skipFolders?: ReadonlySet<string>;
}

export class FilesystemTool implements Tool<FilesystemArgs> {
  readonly type = "filesystem";
  readonly inputSchema = filesystemArgsSchema;

  constructor(
    readonly id: string,
    readonly description: string,
    readonly config: FilesystemConfig,
  ) {}

  async call(rawArgs: FilesystemArgs, ctx: ToolCallContext): Promise<FilesystemResult> {
    const args = this.#parse(rawArgs);
    return this.#guarded(args, ctx.signal, (resolver) => {
      switch (args.op) {
        case "read":
          return this.#read(resolver, required(args, "path"), ctx.signal);
        case "write":
          return this.#write(resolver, required(args, "path"), required(args, "content"), ctx.signal);
        case "list":
          return this.#list(resolver, args.path ?? ".", ctx.signal);
        case "glob":
          return this.#glob(resolver, required(args, "pattern"), args.path ?? ".", undefined, ctx.signal);
      }
    });
  }

  /** Op "read" without the argument parsing, for tools that read many files through this one. */
  read(path: string, signal: AbortSignal): Promise<{ path: string; content: string }> {
    return this.#guarded({ op: "read", path }, signal, (resolver) => this.#read(resolver, path, signal));
  }

  /** Op "glob" without the argument parsing, and with options models are not offered. */
  glob(pattern: string, options: GlobOptions, signal: AbortSignal): Promise<{ pattern: string; matches: string[]; truncated?: true }> {
    const args: FilesystemArgs = { op: "glob", pattern, path: options.path };
    return this.#guarded(args, signal, (resolver) => this.#glob(resolver, required(args, "pattern"), options.path ?? ".", options.skipFolders, signal));
  }

  /** Checks for cancellation first and turns Node's fs errors into tool errors. */
  async #guarded<T>(args: FilesystemArgs, signal: AbortSignal, body: (resolver: RootedResolver) => Promise<T>): Promise<T> {
    const what = `filesystem ${args.op}`;
    throwIfAborted(signal, what);
    try {
      return await body(await this.#resolver());
    } catch (err) {
      throw toToolError(err, args, signal, what);
    }
  }

  #parse(args: unknown): FilesystemArgs {
    const parsed = filesystemArgsSchema.safeParse(args);
    if (parsed.success) return parsed.data;
    throw new ToolError("WFX_FS_BAD_ARGS", `filesystem tool '${this.id}' got invalid arguments: ${describeIssues(parsed.error.issues, "(args)")}`, {
      hint: 'pass {op: "read"|"write"|"list"|"glob", path?, pattern?, content?}',
    });
  }

  async #resolver(): Promise<RootedResolver> {
    try {
      return new RootedResolver(this.config.root, await realpath(this.config.root));
    } catch (err) {
      throw new ToolError("WFX_FS_NOT_FOUND", `the root folder ${this.config.shownRoot} of tool '${this.id}' does not exist`, {
        hint: "create the folder or fix settings.root (relative to the workflow file)",
        cause: err,
      });
    }
  }

  async #read(resolver: RootedResolver, path: string, signal: AbortSignal): Promise<{ path: string; content: string }> {
    const file = await resolver.existing(path);
    const stats = await stat(file.real);
    if (stats.isDirectory()) throw new ToolError("WFX_FS_BAD_ARGS", `'${path}' is a folder, not a file`, { hint: 'use op "list" for folders' });
    if (stats.size > this.config.maxBytes) throw tooLarge(path, stats.size, this.config.maxBytes);
    throwIfAborted(signal, "filesystem read");
    const data = await readFile(file.real, { signal });
    if (data.length > this.config.maxBytes) throw tooLarge(path, data.length, this.config.maxBytes);
    return { path: file.shown, content: data.toString("utf8") };
  }

  async #write(resolver: RootedResolver, path: string, content: string, signal: AbortSignal): Promise<FilesystemResult> {
    const target = await resolver.forWrite(path);
    const existing = await stat(target.real).catch(() => undefined);
    if (existing?.isDirectory()) throw new ToolError("WFX_FS_BAD_ARGS", `'${path}' is a folder; cannot write over it`, { hint: "write to a file path inside it" });
    await mkdir(dirname(target.real), { recursive: true });
    throwIfAborted(signal, "filesystem write");
    // Written beside the target and renamed over it, so a reader never sees half a file.
    const temp = join(dirname(target.real), `.${basename(target.real)}.${process.pid}.${randomBytes(4).toString("hex")}.tmp`);
    try {
      await writeFile(temp, content, { encoding: "utf8", flag: "wx", signal });
      if (existing) await chmod(temp, existing.mode & 0o7777);
      throwIfAborted(signal, "filesystem write");
      await rename(temp, target.real);
    } catch (err) {
      await rm(temp, { force: true });
      throw err;
    }
    return { path: target.shown, bytes: Buffer.byteLength(content, "utf8") };
  }

  async #list(resolver: RootedResolver, path: string, signal: AbortSignal): Promise<FilesystemResult> {
    const folder = await resolver.existing(path);
    const stats = await stat(folder.real);
    if (!stats.isDirectory()) throw new ToolError("WFX_FS_BAD_ARGS", `'${path}' is a file, not a folder`, { hint: 'use op "read" for files' });
    const dirents = await readdir(folder.real, { withFileTypes: true });
    const entries: FilesystemEntry[] = [];
    for (let i = 0; i < dirents.length; i += 64) {
      throwIfAborted(signal, "filesystem list");
      const batch = await Promise.all(dirents.slice(i, i + 64).map((dirent) => describe(folder.real, dirent)));
      for (const entry of batch) if (entry) entries.push(entry);
    }
    entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    return { path: folder.shown, entries };
  }

  async #glob(resolver: RootedResolver, pattern: string, path: string, skipFolders: ReadonlySet<string> | undefined, signal: AbortSignal): Promise<{ pattern: string; matches: string[]; truncated?: true }> {
    if (pattern.startsWith("/")) throw new ToolError("WFX_FS_OUTSIDE_ROOT", `glob pattern '${pattern}' is absolute`, { hint: "globs are relative to the tool's root" });
    if (expandBraces(pattern).some((alt) => splitPattern(alt).includes(".."))) {
      throw new ToolError("WFX_FS_OUTSIDE_ROOT", `glob pattern '${pattern}' contains '..'`, { hint: "globs match inside the tool's root only" });
    }
    const base = await resolver.existing(path);
    if (!(await stat(base.real)).isDirectory()) throw new ToolError("WFX_FS_BAD_ARGS", `glob base '${path}' is not a folder`, { hint: "pass a folder as path, or omit it" });
    const matcher = compileGlob(pattern);
    const baseRel = relative(resolver.realRoot, base.real).split(sep).filter(Boolean);
    const matches: string[] = [];
    let truncated = false;
    const walk = async (dir: string, segments: string[]): Promise<void> => {
      throwIfAborted(signal, "filesystem glob");
      // Sorted, so which matches a truncated result keeps does not depend on the file system's order.
      const dirents = (await readdir(dir, { withFileTypes: true }).catch(() => [])).sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
      for (const dirent of dirents) {
        if (truncated) return;
        const next = [...segments, dirent.name];
        if (matcher.matches(next)) {
          if (matches.length >= this.config.maxMatches) truncated = true;
          else matches.push([...baseRel, ...next].join("/"));
        }
        // Symlinked folders are not followed: they could leave the root or loop.
        if (dirent.isDirectory() && !skipFolders?.has(dirent.name) && matcher.couldMatchUnder(next)) await walk(join(dir, dirent.name), next);
      }
    };
    await walk(base.real, []);
    matches.sort();
    return truncated ? { pattern, matches, truncated: true } : { pattern, matches };
  }
}

async function describe(folder: string, dirent: { name: string; isFile(): boolean; isDirectory(): boolean; isSymbolicLink(): boolean }): Promise<FilesystemEntry | undefined> {
  const type = dirent.isSymbolicLink() ? "symlink" : dirent.isDirectory() ? "dir" : dirent.isFile() ? "file" : undefined;
  if (type === undefined) return undefined;
  const size = type === "dir" ? 0 : ((await lstat(join(folder, dirent.name)).catch(() => undefined))?.size ?? 0);
  return { name: dirent.name, type, size };
}

function required<K extends "path" | "pattern" | "content">(args: FilesystemArgs, key: K): string {
  const value = args[key];
  if (typeof value === "string" && (key === "content" || value !== "")) return value;
  throw new ToolError("WFX_FS_BAD_ARGS", `op "${args.op}" needs \`${key}\``, { hint: `pass ${key} along with op "${args.op}"` });
}

function tooLarge(path: string, size: number, max: number): ToolError {
  return new ToolError("WFX_FS_TOO_LARGE", `'${path}' is ${size} bytes, more than the ${max} bytes this tool reads`, {
    hint: "raise settings.max_bytes for this tool, or read a smaller file",
  });
}

/** Node's fs errors become stable codes; ours pass through. */
function toToolError(err: unknown, args: FilesystemArgs, signal: AbortSignal, what: string): ToolError {
  if (err instanceof ToolError) return err;
  if (signal.aborted || (err as Error).name === "AbortError") return cancelled(signal, what);
  const code = (err as NodeJS.ErrnoException).code;
  const target = args.path ?? args.pattern ?? ".";
  if (code === "ENOENT" || code === "ENOTDIR") {
    return new ToolError("WFX_FS_NOT_FOUND", `'${target}' does not exist under the tool's root`, { hint: 'check the path; op "list" or "glob" shows what exists', cause: err });
  }
  if (code === "EACCES" || code === "EPERM") {
    return new ToolError("WFX_FS_PERMISSION_DENIED", `permission denied for '${target}'`, { hint: "check the file's permissions", cause: err });
  }
  if (code === "EISDIR") return new ToolError("WFX_FS_BAD_ARGS", `'${target}' is a folder`, { hint: 'use op "list" for folders', cause: err });
  return new ToolError("WFX_FS_IO", `${what} of '${target}' failed: ${(err as Error).message}`, { hint: "see the cause; the disk may be full or the path unusual", cause: err, retryable: true });
}
