import { parseReferences } from "./reference.js";
import { asRecord, asString, type ProblemSink } from "./validate-context.js";
import type { YamlPath } from "./yaml-location.js";

/** What a concurrency key may read besides the input: the caller's token (never env: keys are shown to callers). */
const TOKEN_REFERENCES = ["${token.id}", "${token.tenant}"];

/** A workflow's `concurrency.key` reads only `${input...}`, `${user_input}`, `${token.id}` and `${token.tenant}`. */
export function checkConcurrencyKey(workflow: Record<string, unknown>, path: YamlPath, sink: ProblemSink): void {
  const key = asString(asRecord(workflow["concurrency"])?.["key"]);
  if (key === undefined || !key.includes("${")) return;
  const at: YamlPath = [...path, "concurrency", "key"];
  const parsed = parseReferences(TOKEN_REFERENCES.reduce((text, ref) => text.replaceAll(ref, ""), key));
  for (const issue of parsed.errors) sink.report("WFX_BAD_REFERENCE", at, issue.message, issue.hint ?? "write ${input.customer_id}");
  for (const ref of parsed.refs) {
    if (ref.kind === "input" || ref.kind === "user_input") continue;
    sink.report("WFX_BAD_REFERENCE", at, `a concurrency key cannot read '${ref.text}': it is made before any step runs, and shown to callers`, "read the input (${input.customer_id}), ${token.id} or ${token.tenant}");
  }
}
