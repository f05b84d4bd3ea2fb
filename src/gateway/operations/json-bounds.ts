/** Which bound a JSON value passed first, and where (the path's first few levels). */
export interface JsonBoundsExceeded {
  kind: "depth" | "size";
  path: string;
}

interface Frame {
  value: object;
  depth: number;
  path: string;
}

/** Paths are spelled out this many levels down; deeper ones say where they start and `…`. */
const PATH_LEVELS = 4;

function childPath(frame: Frame, key: string | number): string {
  if (frame.depth > PATH_LEVELS) return frame.path;
  if (frame.depth === PATH_LEVELS) return `${frame.path}…`;
  return typeof key === "number" ? `${frame.path}[${key}]` : frame.path === "" ? key : `${frame.path}.${key}`;
}

/** About what `value` adds to the JSON text, counted without walking into it. */
function scalarSize(value: unknown): number {
  if (typeof value === "string") return Buffer.byteLength(value) + 2;
  if (typeof value === "number" || typeof value === "boolean") return String(value).length;
  return 4;
}

/**
 * Walks a parsed JSON value without recursion (a caller can nest one 200,000 levels deep, which any recursive walk,
 * JSON.stringify included, dies on) and stops at the first bound it passes: more than `maxDepth` nested arrays and
 * objects, or more than `maxBytes` of JSON text (escapes aside). Undefined when it is within both.
 */
export function checkJsonBounds(value: unknown, maxDepth: number, maxBytes = Number.POSITIVE_INFINITY, path = ""): JsonBoundsExceeded | undefined {
  if (value === null || typeof value !== "object") return scalarSize(value) > maxBytes ? { kind: "size", path } : undefined;
  if (maxDepth < 1) return { kind: "depth", path };
  const stack: Frame[] = [{ value, depth: 1, path }];
  let bytes = 0;
  while (stack.length > 0) {
    const frame = stack.pop()!;
    const entries: Iterable<[string | number, unknown]> = Array.isArray(frame.value) ? frame.value.entries() : Object.entries(frame.value);
    bytes += 2;
    for (const [key, child] of entries) {
      bytes += 1 + (typeof key === "string" ? Buffer.byteLength(key) + 3 : 0);
      if (child !== null && typeof child === "object") {
        if (frame.depth >= maxDepth) return { kind: "depth", path: childPath(frame, key) };
        stack.push({ value: child, depth: frame.depth + 1, path: childPath(frame, key) });
      } else {
        bytes += scalarSize(child);
      }
    }
    if (bytes > maxBytes) return { kind: "size", path };
  }
  return undefined;
}
