// A cluster node against a single node, alone (section 7 of bench/cluster.ts); targets are printed, never asserted.
//   npm run bench:cluster-node                      (= tsc -p . && node dist/bench/cluster-node.js)
//   node dist/bench/cluster-node.js --cpu-prof DIR  (also writes both processes' CPU profiles, DIR/serve and DIR/node)
import { cpus } from "node:os";
import { nodeAgainstServe } from "./lib/node-vs-serve.js";
import { SummaryTable } from "./lib/summary-table.js";

const started = performance.now();
const table = new SummaryTable();
const log = (line = ""): void => console.log(line);
const at = process.argv.indexOf("--cpu-prof");
const profileDir = at > 0 ? (process.argv[at + 1] ?? ".") : undefined;
log("Workflow Executor: a cluster node against a single node");
log(`node ${process.version} (${process.platform}/${process.arch}), CPU: ${cpus()[0]?.model ?? "unknown"} x ${cpus().length}`);
await nodeAgainstServe({ log, row: table.row.bind(table), ...(profileDir === undefined ? {} : { profileDir }) });
table.print(log, started);
