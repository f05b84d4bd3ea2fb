// Entry point of the fresh process bench/engine.ts forks for the peak-RSS measurement (see memory.ts).
import { peakRss } from "./memory.js";
import { embeddedRuntime, loadSource } from "./setup.js";

const count = Number(process.argv[2] ?? 10_000);
const source = await loadSource();
const bench = await embeddedRuntime("rss");
// One execution first, so the step module is loaded and the process is in its steady state before the baseline.
await bench.runtime.start({ source, workflowName: "wait3", input: { value: 0 } }).done;
const result = await peakRss(bench.runtime, source, "wait3", count);
await bench.close();
process.send!(result, () => process.exit(0));
