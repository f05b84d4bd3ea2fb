import { existsSync } from "node:fs";
import { isAbsolute, join, relative, resolve } from "node:path";

/** Where an operator's workflow file sits inside one of the node's workflow folders (`team/flow.yaml`); undefined outside them. */
export function pathInFolders(path: string, folders: readonly string[]): string | undefined {
  for (const folder of folders) {
    const inside = relative(resolve(folder), resolve(path));
    if (inside !== "" && !inside.startsWith("..") && !isAbsolute(inside)) return inside;
  }
  return undefined;
}

/**
 * The path an adopter runs an operator's workflow from: the same place in its own workflow folders when the file is
 * there (the dead owner's folder may be on another machine, and function modules resolve next to the file), else the
 * owner's own path.
 */
export function adoptedPath(ownerPath: string | undefined, inFolder: string | undefined, folders: readonly string[]): string | undefined {
  if (inFolder === undefined) return ownerPath;
  return folders.map((folder) => join(folder, inFolder)).find((candidate) => existsSync(candidate)) ?? ownerPath;
}
