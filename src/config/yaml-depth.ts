import { Lexer } from "yaml";

/**
 * An upper bound on how deeply the YAML text nests collections, from the lexer's tokens alone, so a nesting bomb
 * is refused before the (recursive) composer sees it. Returns the offset where `maxDepth` is first exceeded, or -1.
 * Flow depth is exact; block depth counts open indentation levels plus the `-`/`?` indicators on the current line.
 */
export function findExcessiveNesting(text: string, maxDepth: number): number {
  let offset = 0;
  let flow = 0;
  let lineStart = true;
  let lineIndent = 0;
  let indicators = 0;
  let skipNext = false;
  const indents: number[] = [];
  // The lexer emits synthetic control tokens (document start, scalar marker, flow end) that are not source text.
  for (const token of new Lexer().lex(text)) {
    if (token === "\x02" || token === "\x18") continue;
    if (token === "\x1f") {
      skipNext = true;
      continue;
    }
    const at = offset;
    offset += token.length;
    if (skipNext) {
      skipNext = false;
      continue;
    }
    const first = token[0];
    if (token === "\ufeff" || first === "#") continue;
    if (first === "\n" || first === "\r") {
      lineStart = true;
      lineIndent = 0;
      indicators = 0;
      continue;
    }
    if (first === " " || first === "\t") {
      if (lineStart) lineIndent = token.length;
      continue;
    }
    if (lineStart && flow === 0) {
      while (indents.length > 0 && indents[indents.length - 1]! >= lineIndent) indents.pop();
      indents.push(lineIndent);
    }
    lineStart = false;
    if (token === "[" || token === "{") flow++;
    else if (token === "]" || token === "}") flow = Math.max(0, flow - 1);
    else if ((token === "-" || token === "?") && flow === 0) indicators++;
    if (flow + indents.length + indicators > maxDepth) return at;
  }
  return -1;
}
