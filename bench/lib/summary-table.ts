import { cpus } from "node:os";
import { fmt } from "./stats.js";

/** One line of a benchmark's closing table: a figure and, when it has one, its target and whether it was met. */
export interface Row {
  name: string;
  measured: string;
  target: string;
  /** undefined: information only, no target. */
  pass: boolean | undefined;
}

/** Collects rows as a benchmark runs, then prints them as the closing PASS/MISS table. */
export class SummaryTable {
  readonly rows: Row[] = [];

  row(name: string, measured: string, target = "-", pass?: boolean): void {
    this.rows.push({ name, measured, target, pass });
  }

  /** The table, then a line counting PASS and MISS with the node version, the CPU and the run's total seconds. */
  print(log: (line?: string) => void, startedMs: number): void {
    log();
    const header = ["benchmark", "measured", "target", ""];
    const cells = this.rows.map((r) => [r.name, r.measured, r.target, r.pass === undefined ? "" : r.pass ? "PASS" : "MISS"]);
    const widths = header.map((h, i) => Math.max(h.length, ...cells.map((c) => c[i]!.length)));
    const line = (c: string[]): string => c.map((v, i) => (i === 1 ? v.padStart(widths[i]!) : v.padEnd(widths[i]!))).join("  ").trimEnd();
    log(line(header));
    log(widths.map((w) => "-".repeat(w)).join("  "));
    for (const c of cells) log(line(c));
    log();
    const count = (pass: boolean) => this.rows.filter((r) => r.pass === pass).length;
    log(`${count(true)} PASS, ${count(false)} MISS; node ${process.version}; ${cpus()[0]?.model ?? "unknown CPU"}; total ${fmt((performance.now() - startedMs) / 1000)} s`);
  }
}
