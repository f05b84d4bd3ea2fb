import { createHash } from "node:crypto";
import { readFileSync, statSync } from "node:fs";
import { isAbsolute, join, normalize, sep } from "node:path";
import { EngineError } from "./errors.js";
import { pathInFolders } from "./workflow-folders.js";

/**
 * An operator's workflow file as another node finds it: its path inside the workflow folders (`team/flow.yaml`, with
 * `/` whatever the platform) and the sha256 of its bytes. Function modules and tool roots resolve next to the file, so
 * a node running placed work must run its own copy of exactly that file, from the same place in its own folders.
 */
export interface WorkflowIdentity {
  path: string;
  sha256: string;
}

interface Hashed {
  mtimeMs: number;
  size: number;
  sha256: string;
}

/** Hashes by absolute path, kept while the file's size and modification time stay: a stat per order, a read per change. */
const hashes = new Map<string, Hashed>();
const MAX_HASHED = 1024;

function sha256Of(path: string): string | undefined {
  let stat;
  try {
    stat = statSync(path);
  } catch {
    return undefined;
  }
  const known = hashes.get(path);
  if (known !== undefined && known.mtimeMs === stat.mtimeMs && known.size === stat.size) return known.sha256;
  let bytes: Buffer;
  try {
    bytes = readFileSync(path);
  } catch {
    return undefined;
  }
  const sha256 = createHash("sha256").update(bytes).digest("hex");
  if (hashes.size >= MAX_HASHED) hashes.delete(hashes.keys().next().value!);
  hashes.set(path, { mtimeMs: stat.mtimeMs, size: stat.size, sha256 });
  return sha256;
}

/** The identity of the file at `path`; undefined when it lies outside every workflow folder or cannot be read. */
export function workflowIdentityOf(path: string | undefined, folders: readonly string[]): WorkflowIdentity | undefined {
  if (path === undefined) return undefined;
  const inside = pathInFolders(path, folders);
  if (inside === undefined) return undefined;
  const sha256 = sha256Of(join(folders.find((f) => pathInFolders(path, [f]) !== undefined)!, inside));
  return sha256 === undefined ? undefined : { path: inside.split(sep).join("/"), sha256 };
}

const short = (sha256: string) => sha256.slice(0, 12);

/**
 * Where this node has the file `identity` names: the same place in its own workflow folders, holding the same bytes.
 * Throws WFX_WORKFLOW_MISMATCH (naming the file and both hashes, never this node's paths) when it is missing or differs.
 */
export function locateWorkflow(identity: WorkflowIdentity, folders: readonly string[], nodeId: string): string {
  const relative = normalize(identity.path);
  if (isAbsolute(relative) || relative.startsWith("..") || relative === ".") {
    throw new EngineError("WFX_WORKFLOW_MISMATCH", `placed work names the workflow file '${identity.path}', which is not a path inside a workflow folder`, { hint: "the order was corrupted or sent by another version; nothing was run" });
  }
  let found: { path: string; sha256: string } | undefined;
  for (const folder of folders) {
    const candidate = join(folder, relative);
    const sha256 = sha256Of(candidate);
    if (sha256 === identity.sha256) return candidate;
    found ??= sha256 === undefined ? undefined : { path: candidate, sha256 };
  }
  if (found === undefined) {
    throw new EngineError("WFX_WORKFLOW_MISMATCH", `node '${nodeId}' has no workflow file '${identity.path}' (the placing node's is sha256 ${short(identity.sha256)})`, {
      hint: "deploy the same workflow folder to every node that may run this work (the Helm chart mounts one), or keep the work off this node with placement",
    });
  }
  throw new EngineError("WFX_WORKFLOW_MISMATCH", `node '${nodeId}' has a different copy of workflow file '${identity.path}': sha256 ${short(found.sha256)} here, ${short(identity.sha256)} on the placing node`, {
    hint: "deploy the same version of the workflow folder to every node (a rolling update places work on mixed versions), or keep the work off this node with placement",
  });
}
