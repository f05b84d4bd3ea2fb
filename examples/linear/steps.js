// Step functions get the step's resolved input and a context with an AbortSignal.
export function clean(text) {
  return String(text ?? "The quick brown fox jumps over the lazy dog").replace(/\s+/g, " ").trim();
}

export function countWords(text) {
  return text.split(" ").filter(Boolean).length;
}

export function report({ text, words }) {
  return `${words} words: "${text.slice(0, 60)}${text.length > 60 ? "…" : ""}"`;
}
