import { ToolError } from "./errors.js";

/** Decides which root-relative paths (as `/`-separated segments) a glob pattern selects, and which folders may hold some. */
export interface GlobMatcher {
  matches(segments: readonly string[]): boolean;
  /** Whether anything below this folder could match: lets a walk skip whole subtrees. */
  couldMatchUnder(segments: readonly string[]): boolean;
}

type SegmentMatcher = "**" | RegExp;

const MAX_ALTERNATIVES = 256;
const ANY_VISIBLE = /^(?!\.)/;

/**
 * Compiles `*` (within one segment), `**` (any number of segments), `?`, `{a,b}` (nested allowed) and `\` escapes.
 * As in shells, wildcards do not match a leading `.` unless the pattern segment starts with one.
 */
export function compileGlob(pattern: string): GlobMatcher {
  const alternatives = expandBraces(pattern).map((alternative) => {
    const segments = splitPattern(alternative).map(compileSegment);
    // A trailing `**` means "everything below", not the folder itself: it takes at least one segment.
    if (segments[segments.length - 1] === "**") segments.splice(segments.length - 1, 0, ANY_VISIBLE);
    return segments;
  });
  return {
    matches: (segments) => alternatives.some((alt) => matchFrom(alt, segments, false)),
    couldMatchUnder: (segments) => alternatives.some((alt) => matchFrom(alt, segments, true)),
  };
}

/** The pattern's segments, without empty ones and `.`; used also to refuse `..`. */
export function splitPattern(pattern: string): string[] {
  return pattern.split("/").filter((segment) => segment !== "" && segment !== ".");
}

/** `a{b,c{d,e}}f` -> `abf`, `acdf`, `acef`. Braces without a top-level comma are literal. */
export function expandBraces(pattern: string): string[] {
  for (let open = nextUnescaped(pattern, "{", 0); open >= 0; open = nextUnescaped(pattern, "{", open + 1)) {
    const commas: number[] = [];
    let depth = 0;
    let close = -1;
    for (let i = open; i < pattern.length && close < 0; i++) {
      const ch = pattern[i];
      if (ch === "\\") i++;
      else if (ch === "{") depth++;
      else if (ch === "}" && --depth === 0) close = i;
      else if (ch === "," && depth === 1) commas.push(i);
    }
    if (close < 0) break;
    if (commas.length === 0) continue;
    const head = pattern.slice(0, open);
    const tail = pattern.slice(close + 1);
    const bounds = [open, ...commas, close];
    const out: string[] = [];
    for (let k = 0; k + 1 < bounds.length; k++) {
      for (const expanded of expandBraces(head + pattern.slice(bounds[k]! + 1, bounds[k + 1]) + tail)) {
        out.push(expanded);
        if (out.length > MAX_ALTERNATIVES) {
          throw new ToolError("WFX_FS_BAD_ARGS", `glob pattern '${pattern}' expands to more than ${MAX_ALTERNATIVES} alternatives`, {
            hint: "use fewer or smaller {a,b} groups, or several calls",
          });
        }
      }
    }
    return out;
  }
  return [pattern];
}

function nextUnescaped(text: string, ch: string, from: number): number {
  for (let i = from; i < text.length; i++) {
    if (text[i] === "\\") i++;
    else if (text[i] === ch) return i;
  }
  return -1;
}

function compileSegment(segment: string): SegmentMatcher {
  if (segment === "**") return "**";
  let source = segment.startsWith(".") ? "" : "(?!\\.)";
  for (let i = 0; i < segment.length; i++) {
    const ch = segment[i]!;
    if (ch === "*") {
      source += "[^/]*";
      while (segment[i + 1] === "*") i++;
    } else if (ch === "?") source += "[^/]";
    else if (ch === "\\" && i + 1 < segment.length) source += escapeRegExp(segment[++i]!);
    else source += escapeRegExp(ch);
  }
  return new RegExp(`^${source}$`, "s");
}

function escapeRegExp(ch: string): string {
  return /[.*+?^${}()|[\]\\/]/.test(ch) ? `\\${ch}` : ch;
}

/**
 * Full match, or (prefix) whether some non-empty extension of `segments` could match. Memoised on (segment,
 * pattern) positions so several `**` cannot blow up.
 */
function matchFrom(pattern: SegmentMatcher[], segments: readonly string[], prefix: boolean): boolean {
  const width = pattern.length + 1;
  const seen = new Uint8Array((segments.length + 1) * width);
  const visit = (i: number, j: number): boolean => {
    const key = i * width + j;
    if (seen[key]) return false;
    seen[key] = 1;
    if (i === segments.length) {
      if (prefix) return j < pattern.length;
      for (let k = j; k < pattern.length; k++) if (pattern[k] !== "**") return false;
      return true;
    }
    if (j === pattern.length) return false;
    const matcher = pattern[j]!;
    if (matcher === "**") {
      // `**` spans zero or more segments, never hidden ones.
      for (let k = i; k <= segments.length; k++) {
        if (visit(k, j + 1)) return true;
        if (k < segments.length && segments[k]!.startsWith(".")) return false;
      }
      return prefix;
    }
    return matcher.test(segments[i]!) && visit(i + 1, j + 1);
  };
  return visit(0, 0);
}
