import { realpathSync } from "node:fs";
import { homedir } from "node:os";
import { resolve } from "node:path";

/** One of the node's folders and the neutral name answers show in its place. */
export interface NamedFolder {
  path: string;
  name: string;
}

interface Root {
  pattern: RegExp;
  name: string;
}

const SEPARATOR = /[/\\]/;

const escape = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");

/** The folder and, when it differs (a symlinked /tmp, say), its real path: errors may carry either. */
function spellings(path: string): string[] {
  const absolute = resolve(path);
  try {
    const real = realpathSync(absolute);
    return real === absolute ? [absolute] : [absolute, real];
  } catch {
    return [absolute];
  }
}

/**
 * Where the node keeps its data, its sandbox and its workflow files is the operator's business: answers to callers
 * name those folders neutrally (`<sandbox>/inline-workflow.yaml`), and anything else under the home directory as `~`.
 * The audit and node logs keep the real paths.
 */
export class ServerPaths {
  static readonly NONE = new ServerPaths([], { home: false });
  readonly #roots: Root[];

  constructor(folders: readonly NamedFolder[], options: { home?: boolean } = {}) {
    const all = [...folders, ...(options.home === false ? [] : [{ path: homedir(), name: "~" }])];
    const roots = all.flatMap((f) => spellings(f.path).map((path) => ({ path, name: f.name })));
    // Longest first: the sandbox usually sits inside the data dir, which may sit inside the home directory.
    roots.sort((a, b) => b.path.length - a.path.length);
    this.#roots = roots
      .filter((r) => r.path.split(/[/\\]/).filter(Boolean).length > 0)
      .map((r) => ({ pattern: new RegExp(`(?<![\\w.-])${escape(r.path)}(?![\\w.-])`, "g"), name: r.name }));
  }

  /** `text` with every server folder in it replaced by its neutral name. */
  text(text: string): string {
    // Every root is an absolute path with at least one segment: a text without a separator holds none of them.
    if (this.#roots.length === 0 || !SEPARATOR.test(text)) return text;
    let out = text;
    for (const root of this.#roots) out = out.replace(root.pattern, root.name);
    return out;
  }

  /** A `{code, message, hint?}` with its message and hint scrubbed. */
  errorInfo<T extends { message: string; hint?: string }>(info: T): T {
    return { ...info, message: this.text(info.message), ...(info.hint === undefined ? {} : { hint: this.text(info.hint) }) };
  }

  /** A copy of JSON-like data with every string in it scrubbed (keys are kept). */
  value<T>(value: T): T {
    if (typeof value === "string") return this.text(value) as T;
    if (Array.isArray(value)) return value.map((v) => this.value(v)) as T;
    if (value === null || typeof value !== "object") return value;
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, this.value(v)])) as T;
  }
}
