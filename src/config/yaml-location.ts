import { isAlias, isMap, isScalar, isSeq, type Document, type LineCounter, type Node } from "yaml";

/** Where a workflow file came from, kept so problems can point at lines and columns. */
export interface LoadedSource {
  /** The file path, or the name given to `parseWorkflowYaml`. */
  path: string;
  text: string;
  lineCounter: LineCounter;
  /** The parsed YAML document; absent when the file could not be read or parsed. */
  doc?: Document;
  /** Folder that function modules are resolved against; absent for text with no file behind it. */
  baseDir?: string;
}

export type YamlPath = readonly (string | number)[];

const PLAIN_KEY = /^[A-Za-z_][A-Za-z0-9_-]*$/;

/** `["workflows", "main", "steps", 2, "depends_on", 0]` -> `workflows.main.steps[2].depends_on[0]`. */
export function formatYamlPath(path: YamlPath): string {
  let out = "";
  for (const segment of path) {
    if (typeof segment === "number") out += `[${segment}]`;
    else if (PLAIN_KEY.test(segment)) out += out === "" ? segment : `.${segment}`;
    else out += `[${JSON.stringify(segment)}]`;
  }
  return out;
}

export interface Location {
  line?: number;
  column?: number;
}

/**
 * Finds the YAML node at `path`, or the deepest ancestor that exists (paths into normalised values such as the
 * agent shorthand have no node of their own), with the map key it hangs from.
 */
export function findNode(doc: Document, path: YamlPath): { node: Node; key?: Node } | undefined {
  let node: unknown = doc.contents;
  let key: Node | undefined;
  if (node === null || node === undefined) return undefined;
  let found: { node: Node; key?: Node } = { node: node as Node };
  for (const segment of path) {
    if (isAlias(node)) node = node.resolve(doc);
    if (isMap(node)) {
      const pair = node.items.find((p) => (isScalar(p.key) ? String(p.key.value) : String(p.key)) === String(segment));
      if (pair === undefined || pair.value === null) return pair?.key ? { node: pair.key as Node } : found;
      node = pair.value;
      key = pair.key as Node;
    } else if (isSeq(node) && typeof segment === "number" && node.items[segment] !== undefined) {
      node = node.items[segment];
      key = undefined;
    } else {
      return found;
    }
    found = key === undefined ? { node: node as Node } : { node: node as Node, key };
  }
  return found;
}

/**
 * 1-based line and column of the node at `path`. Collections and `at: "key"` point at the map key, which reads
 * better for unknown keys and missing fields; `offset` moves into a one-line scalar (e.g. to a bad reference).
 */
export function locate(source: LoadedSource, path: YamlPath, options: { at?: "key" | "value"; offset?: number } = {}): Location {
  if (source.doc === undefined) return {};
  const found = findNode(source.doc, path);
  if (found === undefined) return {};
  const preferKey = options.at === "key" || (found.key !== undefined && !isScalar(found.node));
  const target = preferKey && found.key !== undefined ? found.key : found.node;
  let start = target.range?.[0];
  if (start === undefined) return {};
  if (options.offset !== undefined && isScalar(target) && typeof target.value === "string") {
    const quote = target.type === "QUOTE_DOUBLE" || target.type === "QUOTE_SINGLE" ? 1 : 0;
    const value = target.value;
    if (!value.includes("\n") && source.text.slice(start + quote, start + quote + value.length) === value) start += quote + options.offset;
  }
  const pos = source.lineCounter.linePos(start);
  return { line: pos.line, column: pos.col };
}
