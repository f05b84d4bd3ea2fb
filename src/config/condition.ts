import { ConditionSyntaxError } from "./errors.js";
import { parseReferenceAt, type Reference } from "./reference.js";
import { compileReference, type TemplateScope } from "./template.js";

/**
 * `when:` expressions: literals (numbers, 'text', "text", true, false, null, [lists]), `${...}` references,
 * `== != > >= < <= in`, `&& || !` and parentheses. Precedence, loosest first: `||`, `&&`, comparison, `!`.
 * Comparisons do not chain. Evaluated by closures built here; nothing is ever passed to eval or Function.
 */
export interface CompiledCondition {
  refs: Reference[];
  evaluate(scope: TemplateScope): boolean;
}

type Evaluator = (scope: TemplateScope) => unknown;
type Token =
  | { type: "value"; value: unknown; offset: number }
  | { type: "ref"; ref: Reference; offset: number }
  | { type: "op"; op: string; offset: number }
  | { type: "end"; offset: number };

const MAX_NESTING = 64;
const OPERATORS = ["==", "!=", ">=", "<=", "&&", "||", ">", "<", "!", "(", ")", "[", "]", ","];
const WORD_HINTS: Record<string, string> = {
  and: "use && instead of 'and'",
  or: "use || instead of 'or'",
  not: "use ! instead of 'not'",
  True: "write true",
  False: "write false",
  None: "write null",
};

const fail = (message: string, offset: number, hint: string): never => {
  throw new ConditionSyntaxError(message, offset + 1, hint);
};

function tokenize(text: string): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  const previousIsValue = () => {
    const last = tokens[tokens.length - 1];
    return last !== undefined && (last.type !== "op" || last.op === ")");
  };
  while (i < text.length) {
    const c = text[i]!;
    if (c === " " || c === "\t" || c === "\n" || c === "\r") {
      i++;
    } else if (c === "$" && text[i + 1] === "{") {
      const result = parseReferenceAt(text, i);
      if ("issue" in result) fail(result.issue.message, result.issue.offset, result.issue.hint);
      else tokens.push({ type: "ref", ref: result.ref, offset: i });
      i = result.end;
    } else if (c === "'" || c === '"') {
      let value = "";
      let j = i + 1;
      while (j < text.length && text[j] !== c) {
        if (text[j] === "\\" && j + 1 < text.length) j++;
        value += text[j++];
      }
      if (j >= text.length) fail("unterminated string", i, `close the string with ${c}`);
      tokens.push({ type: "value", value, offset: i });
      i = j + 1;
    } else if ((c >= "0" && c <= "9") || (c === "-" && /[0-9]/.test(text[i + 1] ?? "") && !previousIsValue())) {
      const match = /^-?[0-9]+(\.[0-9]+)?([eE][-+]?[0-9]+)?/.exec(text.slice(i))!;
      tokens.push({ type: "value", value: Number(match[0]), offset: i });
      i += match[0].length;
    } else if (/[A-Za-z_]/.test(c)) {
      const word = /^[A-Za-z_][A-Za-z0-9_]*/.exec(text.slice(i))![0];
      if (word === "true" || word === "false") tokens.push({ type: "value", value: word === "true", offset: i });
      else if (word === "null") tokens.push({ type: "value", value: null, offset: i });
      else if (word === "in") tokens.push({ type: "op", op: "in", offset: i });
      else fail(`unexpected word '${word}'`, i, (Object.hasOwn(WORD_HINTS, word) ? WORD_HINTS[word] : undefined) ?? `wrap references in \${...} (e.g. \${${word}.output}) and quote text: '${word}'`);
      i += word.length;
    } else {
      const op = OPERATORS.find((o) => text.startsWith(o, i));
      if (op === undefined) {
        const hint = c === "=" ? "did you mean '=='?" : c === "&" ? "did you mean '&&'?" : c === "|" ? "did you mean '||'?" : "operators are == != > >= < <= in && || !";
        fail(`unexpected '${c}'`, i, hint);
      } else {
        tokens.push({ type: "op", op, offset: i });
        i += op.length;
      }
    }
  }
  tokens.push({ type: "end", offset: text.length });
  return tokens;
}

/** Python-like truthiness: empty text, empty lists and empty objects are false as well as the JS falsy values. */
export function truthy(value: unknown): boolean {
  if (Array.isArray(value)) return value.length > 0;
  if (value !== null && typeof value === "object") return Object.keys(value).length > 0;
  return Boolean(value);
}

export function deepEqual(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (a === null || b === null || typeof a !== "object" || typeof b !== "object") return false;
  if (Array.isArray(a) !== Array.isArray(b)) return false;
  const ka = Object.keys(a);
  const kb = Object.keys(b);
  if (ka.length !== kb.length) return false;
  return ka.every((k) => Object.prototype.hasOwnProperty.call(b, k) && deepEqual((a as Record<string, unknown>)[k], (b as Record<string, unknown>)[k]));
}

function order(a: unknown, b: unknown): number | undefined {
  if ((typeof a === "number" && typeof b === "number") || (typeof a === "string" && typeof b === "string")) return a < b ? -1 : a > b ? 1 : 0;
  return undefined;
}

function contains(container: unknown, item: unknown): boolean {
  if (Array.isArray(container)) return container.some((x) => deepEqual(x, item));
  if (typeof container === "string") return typeof item === "string" && container.includes(item);
  if (container !== null && typeof container === "object") return typeof item === "string" && Object.prototype.hasOwnProperty.call(container, item);
  return false;
}

const COMPARISONS: Record<string, (a: unknown, b: unknown) => boolean> = {
  "==": (a, b) => deepEqual(a, b),
  "!=": (a, b) => !deepEqual(a, b),
  ">": (a, b) => (order(a, b) ?? NaN) > 0,
  ">=": (a, b) => (order(a, b) ?? NaN) >= 0,
  "<": (a, b) => (order(a, b) ?? NaN) < 0,
  "<=": (a, b) => (order(a, b) ?? NaN) <= 0,
  in: (a, b) => contains(b, a),
};

class Parser {
  private pos = 0;
  private depth = 0;
  readonly refs: Reference[] = [];

  constructor(private readonly tokens: Token[]) {}

  parse(): Evaluator {
    const result = this.or();
    const next = this.peek();
    if (next.type !== "end") fail(`unexpected ${describe(next)}`, next.offset, "join conditions with && or ||");
    return result;
  }

  private peek(): Token {
    return this.tokens[this.pos]!;
  }

  private isOp(op: string): boolean {
    const t = this.peek();
    return t.type === "op" && t.op === op;
  }

  private or(): Evaluator {
    let left = this.and();
    while (this.isOp("||")) {
      this.pos++;
      const l = left;
      const r = this.and();
      left = (s) => truthy(l(s)) || truthy(r(s));
    }
    return left;
  }

  private and(): Evaluator {
    let left = this.comparison();
    while (this.isOp("&&")) {
      this.pos++;
      const l = left;
      const r = this.comparison();
      left = (s) => truthy(l(s)) && truthy(r(s));
    }
    return left;
  }

  private comparison(): Evaluator {
    const left = this.unary();
    const t = this.peek();
    if (t.type !== "op" || !(t.op in COMPARISONS)) return left;
    this.pos++;
    const right = this.unary();
    const after = this.peek();
    if (after.type === "op" && after.op in COMPARISONS) fail(`comparisons do not chain ('${after.op}')`, after.offset, "join comparisons with &&, e.g. a < b && b < c");
    const compare = COMPARISONS[t.op]!;
    return (s) => compare(left(s), right(s));
  }

  private unary(): Evaluator {
    if (this.isOp("!")) {
      this.pos++;
      const operand = this.unary();
      return (s) => !truthy(operand(s));
    }
    return this.primary();
  }

  private primary(): Evaluator {
    const t = this.peek();
    this.pos++;
    if (t.type === "value") {
      const value = t.value;
      return () => value;
    }
    if (t.type === "ref") {
      this.refs.push(t.ref);
      return compileReference(t.ref);
    }
    if (t.type === "op" && t.op === "(") {
      if (++this.depth > MAX_NESTING) fail(`parentheses nest deeper than ${MAX_NESTING}`, t.offset, "simplify the expression");
      const inner = this.or();
      const close = this.peek();
      if (close.type !== "op" || close.op !== ")") fail(`expected ')' but found ${describe(close)}`, close.offset, "close the parenthesis opened earlier");
      this.pos++;
      this.depth--;
      return inner;
    }
    if (t.type === "op" && t.op === "[") return this.list(t.offset);
    return fail(`expected a value but found ${describe(t)}`, t.offset, "a value is a ${reference}, a number, 'text', true, false, null or a [list]");
  }

  private list(offset: number): Evaluator {
    if (++this.depth > MAX_NESTING) fail(`lists nest deeper than ${MAX_NESTING}`, offset, "simplify the expression");
    const items: Evaluator[] = [];
    if (!this.isOp("]")) {
      for (;;) {
        items.push(this.or());
        if (!this.isOp(",")) break;
        this.pos++;
      }
    }
    const close = this.peek();
    if (close.type !== "op" || close.op !== "]") fail(`expected ']' but found ${describe(close)}`, close.offset, "separate list items with ',' and close the list with ']'");
    this.pos++;
    this.depth--;
    return (s) => items.map((item) => item(s));
  }
}

function describe(t: Token): string {
  if (t.type === "end") return "the end of the expression";
  if (t.type === "op") return `'${t.op}'`;
  if (t.type === "ref") return `'${t.ref.text}'`;
  return JSON.stringify(t.value);
}

/** Compiles a `when:` value; a lone reference tests truthiness. Throws `ConditionSyntaxError` (WFX_BAD_CONDITION) with the column. */
export function compileCondition(expr: string | boolean): CompiledCondition {
  if (typeof expr === "boolean") return { refs: [], evaluate: () => expr };
  if (expr.trim() === "") fail("empty condition", 0, "write an expression such as ${input.enabled} or ${check.output.score} > 0.5, or remove when:");
  const parser = new Parser(tokenize(expr));
  const evaluator = parser.parse();
  return { refs: parser.refs, evaluate: (scope) => truthy(evaluator(scope)) };
}
