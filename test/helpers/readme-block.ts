/** One line of a README `sh` block as a test runs it: its words, whether it ends in `&`, what `export X=$(...)` sets. */
export interface ShCommand {
  text: string;
  argv: string[];
  background: boolean;
  /** `export NAME=$(command)`: the command's output becomes NAME for every later command. */
  exportAs?: string;
}

/** The first ```sh block under `heading`, one command a line, comments dropped; throws naming what is missing. */
export function shBlockOf(markdown: string, heading: string): string[] {
  const start = markdown.indexOf(`\n${heading}\n`);
  if (start < 0) throw new Error(`README.md has no '${heading}' section: the test runs its first sh block; change the test with the README`);
  const end = markdown.indexOf("\n## ", start + heading.length + 1);
  const section = markdown.slice(start, end < 0 ? undefined : end);
  const block = /```sh\n([\s\S]*?)```/.exec(section);
  if (block === null) throw new Error(`README.md's '${heading}' section has no \`\`\`sh block: the test runs the first one; change the test with the README`);
  const lines = block[1]!.split("\n").map((line) => line.replace(/(^|\s)#.*$/, "").trim()).filter((line) => line !== "");
  if (lines.length === 0) throw new Error(`README.md's '${heading}' sh block has no commands`);
  return lines;
}

/** Plain commands only: a line with quotes, pipes or other shell syntax is refused rather than run half-understood. */
export function parseShLine(text: string): ShCommand {
  const background = / &$/.test(text);
  let rest = background ? text.slice(0, -2).trim() : text;
  const exported = /^export ([A-Z_][A-Z0-9_]*)=\$\((.+)\)$/.exec(rest);
  if (exported !== null) rest = exported[2]!;
  if (/['"`$|;<>&\\]/.test(rest)) throw new Error(`the README line '${text}' has shell syntax this test does not run; keep the walkthrough's commands plain`);
  return { text, argv: rest.split(/\s+/), background, ...(exported === null ? {} : { exportAs: exported[1]! }) };
}
