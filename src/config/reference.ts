/** What a `${...}` names. `step` covers `${<id>.output…}` and `${context.step_outputs.<id>…}`; env puts the name in `path[0]`. */
export type ReferenceKind = "input" | "user_input" | "step" | "previous_output" | "env" | "item" | "index";

export interface Reference {
  kind: ReferenceKind;
  step?: string;
  path: (string | number)[];
  /** The reference as written, `${read.output.text}`. */
  text: string;
}

/** A reference with where it sits in the string it came from. */
export interface LocatedReference extends Reference {
  offset: number;
  length: number;
}

/** A malformed reference. `root` is set when an identifier was used without `.output`, so validation can tell a step id from a typo. */
export interface ReferenceIssue {
  message: string;
  hint: string;
  offset: number;
  length: number;
  text: string;
  root?: string;
}

/** Roots with a fixed meaning; any other identifier must be a step id followed by `.output`. */
export const REFERENCE_ROOTS = ["input", "user_input", "context", "previous_output", "env", "item", "index"] as const;

const REFERENCE_FORMS = "${input.<field>}, ${user_input}, ${<step id>.output}, ${previous_output}, ${env.NAME}, ${item} or ${index}";

type Segment = string | number;

export type ParseOneResult = { ref: LocatedReference; end: number } | { issue: ReferenceIssue; end: number };

const isIdentStart = (c: string) => (c >= "a" && c <= "z") || (c >= "A" && c <= "Z") || c === "_";
const isIdentChar = (c: string) => isIdentStart(c) || (c >= "0" && c <= "9") || c === "-";
const isDigit = (c: string) => c >= "0" && c <= "9";

/** Finds the `}` that closes the reference opened at `start` (which points at `$`), skipping quoted keys. */
function findClose(text: string, start: number): number {
  for (let i = start + 2; i < text.length; i++) {
    const c = text[i]!;
    if (c === "}") return i;
    if (c === "'" || c === '"') {
      const q = text.indexOf(c, i + 1);
      if (q < 0) return -1;
      i = q;
    } else if (c === "$" && text[i + 1] === "{") {
      return -1;
    }
  }
  return -1;
}

/** Parses the segments of a reference body such as `read.output.items[0]['a b']`. Throws `[message, offset, hint]`. */
function parseSegments(body: string): Segment[] {
  const segments: Segment[] = [];
  let i = 0;
  const fail = (message: string, at: number, hint: string): never => {
    throw [message, at, hint];
  };
  const readWord = (): Segment => {
    const from = i;
    if (isDigit(body[i] ?? "")) {
      while (isDigit(body[i] ?? "")) i++;
      return Number(body.slice(from, i));
    }
    if (!isIdentStart(body[i] ?? "")) fail(i >= body.length || body[i] === "." ? "empty path segment" : `unexpected '${body[i]}'`, i, "path segments are names or [index]; remove the extra '.'");
    while (i < body.length && isIdentChar(body[i]!)) i++;
    return body.slice(from, i);
  };
  if (body.length === 0) fail("empty reference", 0, `write one of ${REFERENCE_FORMS}`);
  if (!isIdentStart(body[0]!)) fail(`unexpected '${body[0]}' at the start of the reference`, 0, `write one of ${REFERENCE_FORMS}`);
  segments.push(readWord());
  while (i < body.length) {
    const c = body[i]!;
    if (c === ".") {
      i++;
      segments.push(readWord());
    } else if (c === "[") {
      const open = i++;
      const q = body[i];
      if (q === "'" || q === '"') {
        const close = body.indexOf(q, i + 1);
        if (close < 0) fail("unterminated quoted key", open, `close the key: ['name']`);
        segments.push(body.slice(i + 1, close));
        i = close + 1;
      } else if (isDigit(q ?? "")) {
        const from = i;
        while (isDigit(body[i] ?? "")) i++;
        segments.push(Number(body.slice(from, i)));
      } else {
        fail("expected an index or a quoted key after '['", open, "write [0] or ['key']");
      }
      if (body[i] !== "]") fail("expected ']'", i, "write [0] or ['key']");
      i++;
    } else {
      fail(`unexpected '${c}'`, i, "references are a root followed by .field and [index] parts");
    }
  }
  return segments;
}

/** Turns parsed segments into a reference, or explains why they are not one. */
function classify(segments: Segment[]): { kind: ReferenceKind; step?: string; path: Segment[] } | { message: string; hint: string; root?: string } {
  const [root, ...rest] = segments as [string, ...Segment[]];
  switch (root) {
    case "input":
    case "user_input":
    case "previous_output":
    case "item":
      return { kind: root, path: rest };
    case "index":
      return rest.length === 0 ? { kind: "index", path: [] } : { message: "${index} is a number and has no fields", hint: "write ${index} or ${item.<field>}" };
    case "env":
      return rest.length === 1 && typeof rest[0] === "string"
        ? { kind: "env", path: [rest[0]] }
        : { message: "an env reference names exactly one variable", hint: "write ${env.NAME}" };
    case "context":
      if (rest[0] === "step_outputs" && typeof rest[1] === "string") return { kind: "step", step: rest[1], path: rest.slice(2) };
      return { message: "only ${context.step_outputs.<step id>} is available under context", hint: "write ${context.step_outputs.<step id>} or ${<step id>.output}" };
    default:
      if (rest[0] === "output") return { kind: "step", step: root, path: rest.slice(1) };
      return { message: `'${root}' is not a reference root`, hint: `write one of ${REFERENCE_FORMS}`, root };
  }
}

/** Parses the reference whose `${` starts at `start`; `end` is the index just past it (or past the text when unterminated). */
export function parseReferenceAt(text: string, start: number): ParseOneResult {
  const close = findClose(text, start);
  if (close < 0) {
    const nested = text.indexOf("${", start + 2);
    const end = nested < 0 ? text.length : nested;
    return {
      issue: { message: "unterminated reference", hint: "close it with '}', or write $${ for a literal ${", offset: start, length: end - start, text: text.slice(start, end) },
      end,
    };
  }
  const raw = text.slice(start, close + 1);
  const inner = text.slice(start + 2, close);
  const lead = inner.length - inner.trimStart().length;
  const body = inner.trim();
  const issue = (message: string, hint: string, root?: string): ParseOneResult => ({
    issue: root === undefined ? { message, hint, offset: start, length: raw.length, text: raw } : { message, hint, offset: start, length: raw.length, text: raw, root },
    end: close + 1,
  });
  let segments: Segment[];
  try {
    segments = parseSegments(body);
  } catch (err) {
    if (!Array.isArray(err)) throw err;
    const [message, at, hint] = err as [string, number, string];
    const result = issue(`${message} in '${raw}'`, hint);
    if ("issue" in result && body.length > 0) result.issue.offset = start + 2 + lead + at;
    return result;
  }
  const shape = classify(segments);
  if ("message" in shape) return issue(`${shape.message}: '${raw}'`, shape.hint, shape.root);
  const ref: LocatedReference = { kind: shape.kind, path: shape.path, text: raw, offset: start, length: raw.length };
  if (shape.step !== undefined) ref.step = shape.step;
  return { ref, end: close + 1 };
}

/** A string cut into literal text and references, in order; `$${` has already become a literal `${`. */
export type TemplatePart = string | LocatedReference;

export interface ParsedTemplateString {
  parts: TemplatePart[];
  refs: LocatedReference[];
  errors: ReferenceIssue[];
}

/** Splits a string into literals and references, collecting every malformed reference instead of stopping at the first. */
export function parseReferences(text: string): ParsedTemplateString {
  const parts: TemplatePart[] = [];
  const refs: LocatedReference[] = [];
  const errors: ReferenceIssue[] = [];
  let literal = "";
  let i = 0;
  while (i < text.length) {
    const dollar = text.indexOf("$", i);
    if (dollar < 0) {
      literal += text.slice(i);
      break;
    }
    literal += text.slice(i, dollar);
    if (text[dollar + 1] === "$" && text[dollar + 2] === "{") {
      literal += "${";
      i = dollar + 3;
    } else if (text[dollar + 1] === "{") {
      const result = parseReferenceAt(text, dollar);
      if ("ref" in result) {
        if (literal !== "") parts.push(literal);
        literal = "";
        parts.push(result.ref);
        refs.push(result.ref);
      } else {
        errors.push(result.issue);
        literal += text.slice(dollar, result.end);
      }
      i = result.end;
    } else {
      literal += "$";
      i = dollar + 1;
    }
  }
  if (literal !== "" || parts.length === 0) parts.push(literal);
  return { parts, refs, errors };
}

/** Reads `path` below `value`, own properties only; anything missing yields `undefined`. */
export function readPath(value: unknown, path: readonly Segment[]): unknown {
  let v = value;
  for (let i = 0; i < path.length; i++) {
    if (v === null || typeof v !== "object") return undefined;
    const key = path[i]!;
    v = Object.prototype.hasOwnProperty.call(v, key) ? (v as Record<string | number, unknown>)[key] : undefined;
  }
  return v;
}
