import { test } from "uvu";
import * as assert from "uvu/assert";
import { compileTemplate, parseReferences, ReferenceSyntaxError, userInputOf, type TemplateScope } from "../src/config/index.js";

const outputs: Record<string, unknown> = {
  read: { text: "hello world", lines: ["a", "b"], meta: { size: 3 } },
  list: [{ name: "first" }, { name: "second" }],
  count: 7,
};

function scope(overrides: Partial<TemplateScope> = {}): TemplateScope {
  return {
    input: { file_path: "/docs/report.pdf", user_input: "summarise this", nested: { deep: [10, 20] } },
    stepOutput: (id) => outputs[id],
    previousOutput: "prev",
    env: { HOME: "/home/wfx" },
    ...overrides,
  };
}

test("template - a lone reference keeps the value's type", () => {
  assert.equal(compileTemplate("${list.output}").evaluate(scope()), outputs["list"]);
  assert.is(compileTemplate("${count.output}").evaluate(scope()), 7);
  assert.equal(compileTemplate("${read.output.lines}").evaluate(scope()), ["a", "b"]);
  assert.is(compileTemplate("${input.nested.deep[1]}").evaluate(scope()), 20);
});

test("template - references inside text are substituted as text, objects as JSON", () => {
  const t = compileTemplate("size=${read.output.meta} count=${count.output} missing=[${input.nope}] null=${input.n}");
  assert.is(t.evaluate(scope({ input: { n: null } })), 'size={"size":3} count=7 missing=[] null=null');
  assert.is(compileTemplate("Path: ${input.file_path}!").evaluate(scope()), "Path: /docs/report.pdf!");
});

test("template - indexing with [n], .n and quoted keys", () => {
  assert.is(compileTemplate("${list.output[0].name}").evaluate(scope()), "first");
  assert.is(compileTemplate("${list.output.1.name}").evaluate(scope()), "second");
  assert.is(compileTemplate("${input['odd key']}").evaluate(scope({ input: { "odd key": 5 } })), 5);
  assert.is(compileTemplate("${list.output[9].name}").evaluate(scope()), undefined);
});

test("template - user_input is input.user_input when present, else the whole input", () => {
  assert.is(compileTemplate("${user_input}").evaluate(scope()), "summarise this");
  assert.is(compileTemplate("${user_input}").evaluate(scope({ input: "plain text" })), "plain text");
  assert.equal(compileTemplate("${user_input}").evaluate(scope({ input: { other: 1 } })), { other: 1 });
  assert.equal(userInputOf(["a"]), ["a"]);
});

test("template - context.step_outputs, previous_output, env, item and index", () => {
  assert.is(compileTemplate("${context.step_outputs.read.text}").evaluate(scope()), "hello world");
  assert.is(compileTemplate("${previous_output}").evaluate(scope()), "prev");
  assert.is(compileTemplate("${env.HOME}").evaluate(scope()), "/home/wfx");
  assert.is(compileTemplate("${env.MISSING}").evaluate(scope()), undefined);
  const loop = compileTemplate({ word: "${item.w}", at: "${index}", label: "#${index}: ${item.w}" });
  assert.equal(loop.evaluate(scope({ item: { w: "hi" }, index: 2 })), { word: "hi", at: 2, label: "#2: hi" });
});

test("template - $${ escapes a literal ${", () => {
  const t = compileTemplate("costs $${price} for ${input.file_path}");
  assert.is(t.evaluate(scope()), "costs ${price} for /docs/report.pdf");
  const constant = compileTemplate("$${not.a.ref}");
  assert.ok(constant.constant);
  assert.is(constant.evaluate(scope()), "${not.a.ref}");
  assert.is(compileTemplate("$5 and $$ stay").evaluate(scope()), "$5 and $$ stay");
});

test("template - constant values evaluate to themselves without copying", () => {
  const value = { a: [1, 2, { b: "text" }], c: null };
  const t = compileTemplate(value);
  assert.ok(t.constant);
  assert.equal(t.refs, []);
  assert.is(t.evaluate(scope()), value);
  assert.is(compileTemplate(42).evaluate(scope()), 42);
});

test("template - mixed objects rebuild only what has references and list every reference", () => {
  const shared = { fixed: true };
  const t = compileTemplate({ keep: shared, path: "${input.file_path}", items: ["${count.output}", "x"] });
  assert.not.ok(t.constant);
  const out = t.evaluate(scope()) as Record<string, unknown>;
  assert.is(out["keep"], shared);
  assert.equal(out["items"], [7, "x"]);
  assert.equal(t.refs.map((r) => r.text), ["${input.file_path}", "${count.output}"]);
  assert.equal(
    t.refs.map((r) => ({ kind: r.kind, step: r.step, path: r.path })),
    [
      { kind: "input", step: undefined, path: ["file_path"] },
      { kind: "step", step: "count", path: [] },
    ],
  );
});

test("template - parseReferences reports malformed references with offsets", () => {
  const empty = parseReferences("a ${} b");
  assert.is(empty.errors.length, 1);
  assert.is(empty.errors[0]!.offset, 2);
  assert.match(empty.errors[0]!.message, /empty reference/);

  const doubleDot = parseReferences("${foo..bar}");
  assert.match(doubleDot.errors[0]!.message, /empty path segment/);
  assert.is(doubleDot.errors[0]!.offset, 6);

  const unterminated = parseReferences("x ${input.a and ${input.b}");
  assert.match(unterminated.errors[0]!.message, /unterminated/);
  assert.is(unterminated.refs.length, 1);

  const noOutput = parseReferences("${extract.text}");
  assert.is(noOutput.errors[0]!.root, "extract");

  assert.match(parseReferences("${env}").errors[0]!.message, /exactly one variable/);
  assert.match(parseReferences("${context.other}").errors[0]!.message, /step_outputs/);
  assert.match(parseReferences("${index.x}").errors[0]!.message, /no fields/);
  assert.is(parseReferences("${ input.x }").refs[0]!.kind, "input");
});

test("template - compileTemplate throws ReferenceSyntaxError on a malformed reference", () => {
  try {
    compileTemplate({ a: ["${input..x}"] });
    assert.unreachable("should throw");
  } catch (err) {
    assert.instance(err, ReferenceSyntaxError);
    assert.is((err as ReferenceSyntaxError).code, "WFX_BAD_REFERENCE");
    assert.ok((err as ReferenceSyntaxError).hint);
  }
});

test.run();
