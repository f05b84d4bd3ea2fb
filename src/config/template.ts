import { ReferenceSyntaxError } from "./errors.js";
import { parseReferences, readPath, type Reference } from "./reference.js";

/** What references read when a template is evaluated. */
export interface TemplateScope {
  input: unknown;
  stepOutput(id: string): unknown;
  previousOutput?: unknown;
  env: Record<string, string | undefined>;
  item?: unknown;
  index?: number;
}

export interface CompiledTemplate {
  refs: Reference[];
  evaluate(scope: TemplateScope): unknown;
  /** True when the value holds no reference: `evaluate` then returns the same value every time, uncopied. */
  constant: boolean;
}

type Evaluator = (scope: TemplateScope) => unknown;

/** `${user_input}`: `input.user_input` when the input is an object with that key, else the whole input. */
export function userInputOf(input: unknown): unknown {
  if (input !== null && typeof input === "object" && !Array.isArray(input) && Object.prototype.hasOwnProperty.call(input, "user_input")) {
    return (input as { user_input: unknown }).user_input;
  }
  return input;
}

function rootReader(ref: Reference): Evaluator {
  switch (ref.kind) {
    case "input":
      return (s) => s.input;
    case "user_input":
      return (s) => userInputOf(s.input);
    case "step": {
      const id = ref.step!;
      return (s) => s.stepOutput(id);
    }
    case "previous_output":
      return (s) => s.previousOutput;
    case "env": {
      const name = String(ref.path[0]);
      return (s) => (Object.prototype.hasOwnProperty.call(s.env, name) ? s.env[name] : undefined);
    }
    case "item":
      return (s) => s.item;
    case "index":
      return (s) => s.index;
  }
}

/** A closure reading one reference; the path walk is specialised for the common short paths. */
export function compileReference(ref: Reference): Evaluator {
  const root = rootReader(ref);
  const path = ref.kind === "env" ? [] : ref.path;
  if (path.length === 0) return root;
  if (path.length === 1) {
    const key = path[0]!;
    return (s) => {
      const v = root(s);
      return v !== null && typeof v === "object" && Object.prototype.hasOwnProperty.call(v, key) ? (v as Record<string | number, unknown>)[key] : undefined;
    };
  }
  return (s) => readPath(root(s), path);
}

/** How a value appears inside text: strings as they are, objects and lists as JSON, `undefined` as nothing. */
export function toText(value: unknown): string {
  if (typeof value === "string") return value;
  if (value === undefined) return "";
  if (value === null || typeof value !== "object") return String(value);
  return JSON.stringify(value) ?? "";
}

function constantTemplate(value: unknown): CompiledTemplate {
  return { refs: [], constant: true, evaluate: () => value };
}

function compileString(text: string): CompiledTemplate {
  const { parts, refs, errors } = parseReferences(text);
  const first = errors[0];
  if (first !== undefined) throw new ReferenceSyntaxError(first.message, first.offset, first.hint);
  if (refs.length === 0) return constantTemplate(parts[0] === text ? text : parts[0]);
  const only = parts[0]!;
  if (parts.length === 1 && typeof only !== "string") return { refs, constant: false, evaluate: compileReference(only) };
  const literals: string[] = [""];
  const readers: Evaluator[] = [];
  for (const part of parts) {
    if (typeof part === "string") literals[literals.length - 1] += part;
    else {
      readers.push(compileReference(part));
      literals.push("");
    }
  }
  const count = readers.length;
  return {
    refs,
    constant: false,
    evaluate(scope) {
      let out = literals[0]!;
      for (let i = 0; i < count; i++) out += toText(readers[i]!(scope)) + literals[i + 1]!;
      return out;
    },
  };
}

function compileArray(list: readonly unknown[]): CompiledTemplate {
  const children = list.map(compileTemplate);
  if (children.every((c) => c.constant)) {
    const values = children.map((c) => c.evaluate(undefined as never));
    return constantTemplate(values.every((v, i) => v === list[i]) ? list : values);
  }
  const readers = children.map((c) => c.evaluate);
  const count = readers.length;
  return {
    refs: children.flatMap((c) => c.refs),
    constant: false,
    evaluate(scope) {
      const out = new Array<unknown>(count);
      for (let i = 0; i < count; i++) out[i] = readers[i]!(scope);
      return out;
    },
  };
}

function compileObject(object: Record<string, unknown>): CompiledTemplate {
  const keys = Object.keys(object);
  const children = keys.map((k) => compileTemplate(object[k]));
  if (children.every((c) => c.constant)) {
    const values = children.map((c) => c.evaluate(undefined as never));
    if (values.every((v, i) => v === object[keys[i]!])) return constantTemplate(object);
    return constantTemplate(Object.fromEntries(keys.map((k, i) => [k, values[i]])));
  }
  const readers = children.map((c) => c.evaluate);
  const count = keys.length;
  return {
    refs: children.flatMap((c) => c.refs),
    constant: false,
    evaluate(scope) {
      const out: Record<string, unknown> = {};
      for (let i = 0; i < count; i++) out[keys[i]!] = readers[i]!(scope);
      return out;
    },
  };
}

function isPlainObject(value: object): boolean {
  const proto = Object.getPrototypeOf(value);
  return proto === Object.prototype || proto === null;
}

/**
 * Compiles a step's `input`/`args`/`for_each` value once into an evaluator. A string that is exactly one reference
 * evaluates to the referenced value (a list stays a list); any other string substitutes references as text; `$${`
 * is a literal `${`. Object keys are never templated. Throws `ReferenceSyntaxError` on a malformed reference.
 */
export function compileTemplate(value: unknown): CompiledTemplate {
  if (typeof value === "string") return compileString(value);
  if (Array.isArray(value)) return compileArray(value);
  if (value !== null && typeof value === "object" && isPlainObject(value)) {
    return compileObject(value as Record<string, unknown>);
  }
  return constantTemplate(value);
}
