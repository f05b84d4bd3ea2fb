const STOP_WORDS = new Set(["a", "an", "the", "and", "or", "of", "to", "for", "from", "with", "that", "which", "then", "into", "in", "on", "by", "my", "our", "their", "its", "it", "this", "these", "create", "make", "build", "workflow", "please", "using", "use", "some", "all", "each", "every", "generate", "write"]);

/** `"Analyze customer feedback, extract insights…"` -> `analyze_customer_feedback`: a valid id, at most 4 words and 48 characters. */
export function workflowNameFrom(description: string): string {
  const words = description
    .toLowerCase()
    .replace(/['’]/g, "")
    .replace(/[^a-z0-9\s]/g, " ")
    .split(/\s+/)
    .filter((w) => w !== "" && !STOP_WORDS.has(w));
  const name = words.slice(0, 4).join("_").slice(0, 48).replace(/_+$/, "");
  if (name === "") return "generated_workflow";
  return /^[a-z_]/.test(name) ? name : `workflow_${name}`;
}
