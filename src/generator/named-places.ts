/** A folder, file, URL or host the description names, with the words it was named in. */
export interface NamedFolder {
  path: string;
  words: string;
}

export interface NamedUrl {
  url: string;
  /** `host` or `host:port`, as allow_hosts takes it. */
  host: string;
  mcp: boolean;
  words: string;
}

export interface PlacesReading {
  /** Folders to read from (a named file's folder too), in the order named. */
  inputs: NamedFolder[];
  /** A file to write the result to: its folder and its name in it. */
  output: { folder: string; file: string; words: string } | undefined;
  urls: NamedUrl[];
}

const URL_PATTERN = /\b(?:https?):\/\/[^\s"'<>)\]]+/gi;
const HOST_PATTERN = /(?<![\w./@:-])((?:[a-z0-9-]+\.)+(?:com|org|net|io|dev|ai|co|app|cloud|gov|edu|eu|de|uk|fr|nl))(?::\d+)?(?![\w.-]*\/)(?![\w-])/gi;
const PATH_PATTERN = /(?<![\w/:.-])((?:\.{1,2}|~)?\/[\w.\-/]*[\w-])/g;
const NAMED_FOLDER = /\bthe ([\w-]+) (?:folder|directory)\b/gi;
const NOT_FOLDERS = new Set(["same", "output", "input", "current", "this", "that", "given", "right", "whole", "shared"]);
const FILE = /\.[a-z0-9]{1,5}$/i;
const WRITES = /\b(?:to|into|as|save|saves|write|writes|store|output)\s+(?:it\s+|them\s+|the \w+\s+)?(?:to\s+|in\s+)?$/i;
const MCP_NEAR = /\bmcp\b/i;

function trimUrl(raw: string): string {
  return raw.replace(/[.,;:!?]+$/, "");
}

function dirname(path: string): string {
  const i = path.lastIndexOf("/");
  return i <= 0 ? (i === 0 ? "/" : ".") : path.slice(0, i);
}

/** Folders and files as roots and arguments, URLs and hosts as tools: what the description points at, by name. */
export function readPlaces(description: string): PlacesReading {
  const urls: NamedUrl[] = [];
  for (const m of description.matchAll(URL_PATTERN)) {
    const url = trimUrl(m[0]);
    let parsed: URL;
    try {
      parsed = new URL(url);
    } catch {
      continue;
    }
    const mcp = /\/mcp(\/|$)/i.test(parsed.pathname) || MCP_NEAR.test(description.slice(Math.max(0, m.index - 30), m.index));
    if (!urls.some((u) => u.url === url)) urls.push({ url, host: parsed.host, mcp, words: url });
  }
  const rest = description.replace(URL_PATTERN, " ");
  for (const m of rest.matchAll(HOST_PATTERN)) {
    if (!urls.some((u) => u.host === m[0].toLowerCase())) urls.push({ url: `https://${m[0].toLowerCase()}`, host: m[0].toLowerCase(), mcp: false, words: m[0] });
  }
  const inputs: NamedFolder[] = [];
  let output: PlacesReading["output"];
  const addInput = (path: string, words: string) => {
    if (!inputs.some((f) => f.path === path)) inputs.push({ path, words });
  };
  for (const m of rest.matchAll(PATH_PATTERN)) {
    const path = m[1]!;
    const isFile = FILE.test(path);
    if (WRITES.test(rest.slice(Math.max(0, m.index - 30), m.index)) && output === undefined) {
      output = isFile ? { folder: dirname(path), file: path.slice(path.lastIndexOf("/") + 1), words: path } : { folder: path, file: "result.md", words: path };
      continue;
    }
    if (isFile) {
      const folder = dirname(path);
      if (folder !== ".") addInput(folder, path);
    } else addInput(path.replace(/\/+$/, ""), path);
  }
  for (const m of rest.matchAll(NAMED_FOLDER)) {
    if (!NOT_FOLDERS.has(m[1]!.toLowerCase())) addInput(`./${m[1]}`, m[0]);
  }
  return { inputs, output, urls };
}
