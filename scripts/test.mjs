// Runs the uvu suite and ends with a plain "N passed, N failed" line that CI tools can read.
import { spawn } from "node:child_process";
import { fileURLToPath } from "node:url";

const uvu = fileURLToPath(new URL("../node_modules/uvu/bin.js", import.meta.url));
const child = spawn(process.execPath, [uvu, "dist/test", "\\.test\\.js$"], { stdio: ["ignore", "pipe", "inherit"], env: { ...process.env, NO_COLOR: "1", FORCE_COLOR: "0" } });
let output = "";
child.stdout.on("data", (chunk) => {
  output += chunk;
  process.stdout.write(chunk);
});
child.on("close", (code, signal) => {
  const count = (label) => Number(output.match(new RegExp(`${label}:\\s+(\\d+)`))?.[1] ?? 0);
  const total = count("Total");
  const passed = count("Passed");
  process.stdout.write(`\n${passed} passed, ${total - passed} failed\n`);
  process.exitCode = code ?? (signal ? 1 : 0);
  if (total === 0) process.exitCode = 1;
});
