import { test } from "uvu";
import * as assert from "uvu/assert";
import { compileCondition, ConditionSyntaxError, type TemplateScope } from "../src/config/index.js";

const outputs: Record<string, unknown> = { check: { score: 0.8, label: "spam", tags: ["a", "b"], empty: [] }, count: 3 };
const scope: TemplateScope = {
  input: { mode: "fast", enabled: true, n: 0, name: "" },
  stepOutput: (id) => outputs[id],
  env: { STAGE: "prod" },
};
const when = (expr: string | boolean) => compileCondition(expr).evaluate(scope);

function syntaxError(expr: string): ConditionSyntaxError {
  try {
    compileCondition(expr);
  } catch (err) {
    assert.instance(err, ConditionSyntaxError);
    return err as ConditionSyntaxError;
  }
  throw new Error(`'${expr}' compiled but should not`);
}

test("condition - literals, booleans and a lone reference's truthiness", () => {
  assert.is(when(true), true);
  assert.is(when(false), false);
  assert.is(when("true"), true);
  assert.is(when("null"), false);
  assert.is(when("${input.enabled}"), true);
  assert.is(when("${input.n}"), false);
  assert.is(when("${input.name}"), false);
  assert.is(when("${check.output.empty}"), false, "empty lists are false");
  assert.is(when("${check.output.tags}"), true);
  assert.is(when("${input.missing}"), false);
});

test("condition - comparisons on numbers and strings", () => {
  assert.is(when("${check.output.score} > 0.5"), true);
  assert.is(when("${check.output.score} >= 0.8"), true);
  assert.is(when("${check.output.score} < 0.8"), false);
  assert.is(when("${count.output} <= 3"), true);
  assert.is(when("${input.mode} == 'fast'"), true);
  assert.is(when('${input.mode} != "fast"'), false);
  assert.is(when("${env.STAGE} == 'prod'"), true);
  assert.is(when("-1 < 0"), true);
  assert.is(when("'b' > 'a'"), true);
  assert.is(when("${input.mode} > 1"), false, "mismatched types never order");
  assert.is(when("${check.output.tags} == ['a', 'b']"), true, "equality is structural");
});

test("condition - in over lists, strings and mappings", () => {
  assert.is(when("'a' in ${check.output.tags}"), true);
  assert.is(when("${check.output.label} in ['ham', 'spam']"), true);
  assert.is(when("'pa' in ${check.output.label}"), true);
  assert.is(when("'score' in ${check.output}"), true);
  assert.is(when("'zzz' in ${check.output}"), false);
});

test("condition - precedence: ! binds tightest, then comparisons, then &&, then ||", () => {
  assert.is(when("true || false && false"), true);
  assert.is(when("(true || false) && false"), false);
  assert.is(when("!false && false"), false);
  assert.is(when("!(false && false)"), true);
  assert.is(when("${count.output} > 1 && ${input.mode} == 'fast' || false"), true);
  assert.is(when("!${input.enabled} == false"), true, "(!enabled) == false");
  assert.is(when("1 == 2 || 3 > 2 && 'x' == 'x'"), true);
});

test("condition - references are listed for dependency tracking", () => {
  const c = compileCondition("${check.output.score} > 0.5 && ${input.enabled}");
  assert.equal(c.refs.map((r) => [r.kind, r.step ?? null]), [["step", "check"], ["input", null]]);
});

test("condition - syntax errors carry WFX_BAD_CONDITION and the column", () => {
  const single = syntaxError("${input.mode} = 'fast'");
  assert.is(single.code, "WFX_BAD_CONDITION");
  assert.is(single.column, 15);
  assert.is(single.hint, "did you mean '=='?");

  const word = syntaxError("${input.enabled} and true");
  assert.is(word.column, 18);
  assert.is(word.hint, "use && instead of 'and'");

  const bare = syntaxError("mode == 'fast'");
  assert.is(bare.column, 1);
  assert.match(bare.hint ?? "", /\$\{mode.output\}/);

  assert.is(syntaxError("(true && false").column, 15);
  assert.is(syntaxError("1 < 2 < 3").column, 7);
  assert.is(syntaxError("'open").column, 1);
  assert.is(syntaxError("true &&").column, 8);
  assert.is(syntaxError("${input..x} == 1").code, "WFX_BAD_CONDITION");
  assert.is(syntaxError("   ").column, 1);
  assert.match(syntaxError("(".repeat(100) + "true" + ")".repeat(100)).message, /deeper/);
});

test.run();
