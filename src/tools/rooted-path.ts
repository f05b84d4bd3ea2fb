import { lstat, realpath } from "node:fs/promises";
import { basename, dirname, isAbsolute, join, relative, resolve, sep } from "node:path";
import { ToolError } from "./errors.js";

/** A path checked to stay under the tool's root: where to do the I/O, and what to show the caller. */
export interface RootedPath {
  /** Real (symlink-free) absolute path to operate on. */
  real: string;
  /** `/`-separated path relative to the root, `.` for the root itself. */
  shown: string;
}

export function isInside(root: string, target: string): boolean {
  const rel = relative(root, target);
  return rel === "" || (rel !== ".." && !rel.startsWith(`..${sep}`) && !isAbsolute(rel));
}

function toShown(rel: string): string {
  return rel === "" ? "." : rel.split(sep).join("/");
}

function outside(path: string, why: string): ToolError {
  return new ToolError("WFX_FS_OUTSIDE_ROOT", `'${path}' ${why}`, {
    hint: "use a path relative to the tool's root (settings.root), without '..' that leaves it",
  });
}

/**
 * Confines a requested path to a root: `..` that leaves it and absolute paths elsewhere are refused, and the real
 * path (after symlinks) must still be inside. `root` is the configured root, `realRoot` its realpath.
 */
export class RootedResolver {
  constructor(
    readonly root: string,
    readonly realRoot: string,
  ) {}

  /** The lexical step: where the path points before symlinks are looked at. */
  lexical(path: string): { abs: string; shown: string } {
    if (path.includes("\0")) throw new ToolError("WFX_FS_BAD_ARGS", "path contains a NUL character", { hint: "pass a plain file path" });
    if (isAbsolute(path)) {
      const abs = resolve(path);
      for (const base of [this.root, this.realRoot]) {
        if (isInside(base, abs)) {
          const rel = relative(base, abs);
          return { abs: join(this.realRoot, rel), shown: toShown(rel) };
        }
      }
      throw outside(path, "is an absolute path outside the tool's root");
    }
    const lexical = resolve(this.root, path);
    if (!isInside(this.root, lexical)) throw outside(path, "leaves the tool's root");
    const rel = relative(this.root, lexical);
    return { abs: join(this.realRoot, rel), shown: toShown(rel) };
  }

  /** An existing file or folder; its real path must be inside the root. */
  async existing(path: string): Promise<RootedPath> {
    const { abs, shown } = this.lexical(path);
    const real = await realpath(abs);
    if (!isInside(this.realRoot, real)) throw outside(path, "is a symlink that leads outside the tool's root");
    return { real, shown };
  }

  /** A file that may not exist yet: the nearest existing ancestor's real path must be inside the root. */
  async forWrite(path: string): Promise<RootedPath> {
    const { abs, shown } = this.lexical(path);
    const missing: string[] = [];
    let probe = abs;
    for (;;) {
      try {
        const real = await realpath(probe);
        if (!isInside(this.realRoot, real)) throw outside(path, "is a symlink that leads outside the tool's root");
        if (missing.length > 0) await this.#refuseDanglingLink(path, join(real, missing[0]!));
        return { real: join(real, ...missing), shown };
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== "ENOENT" || probe === this.realRoot) throw err;
        missing.unshift(basename(probe));
        probe = dirname(probe);
      }
    }
  }

  /** realpath says "missing" for a symlink whose target is missing; writing through it could land anywhere. */
  async #refuseDanglingLink(path: string, candidate: string): Promise<void> {
    const stats = await lstat(candidate).catch(() => undefined);
    if (stats?.isSymbolicLink()) throw outside(path, "goes through a symlink whose target does not exist");
  }
}
