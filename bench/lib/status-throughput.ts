import { execFile } from "node:child_process";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";

/** Connections and seconds of each autocannon run; ours and the peer take turns, ROUNDS times each. */
export const AUTOCANNON = { connections: 32, seconds: 5 };
const ROUNDS = 2;
const AUTOCANNON_BIN = fileURLToPath(new URL("../../../node_modules/autocannon/autocannon.js", import.meta.url));

interface Run {
  perSecond: number;
  total: number;
  p50: number;
  p99: number;
  non2xx: number;
  errors: number;
  /** CPU of this process (the server's) per answered request, µs. */
  cpuUs: number;
}

/** autocannon in a child process POSTing `body` to `url`, with this process's CPU over the run. */
async function load(url: string, body: string): Promise<Run> {
  const cpu = process.cpuUsage();
  const { stdout } = await promisify(execFile)(
    process.execPath,
    [AUTOCANNON_BIN, "--json", "-c", String(AUTOCANNON.connections), "-d", String(AUTOCANNON.seconds), "-m", "POST", "-H", "content-type=application/json", "-b", body, url],
    { maxBuffer: 16 * 1024 * 1024 },
  );
  const used = process.cpuUsage(cpu);
  const result = JSON.parse(stdout) as { requests: { average: number; total: number }; latency: { p50: number; p99: number }; non2xx: number; errors: number };
  return { perSecond: result.requests.average, total: result.requests.total, p50: result.latency.p50, p99: result.latency.p99, non2xx: result.non2xx, errors: result.errors, cpuUs: (used.user + used.system) / Math.max(1, result.requests.total) };
}

/**
 * The peer: a bare node:http server in this process that reads and parses the JSON body and answers with the same
 * bytes the node answered: what any Node HTTP server pays for the round trip, with nothing of ours in it.
 */
async function bareJsonServer(answer: string): Promise<{ url: string; close: () => Promise<void> }> {
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (chunk: Buffer) => chunks.push(chunk));
    req.on("end", () => {
      JSON.parse(Buffer.concat(chunks).toString("utf8"));
      res.writeHead(200, { "content-type": "application/json; charset=utf-8", "content-length": String(Buffer.byteLength(answer)) });
      res.end(answer);
    });
  });
  server.keepAliveTimeout = 65_000;
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return { url: `http://127.0.0.1:${port}/check_execution_status`, close: () => new Promise((resolve) => server.close(() => resolve())) };
}

const line = (name: string, run: Run) =>
  `  ${name.padEnd(30)} ${Math.round(run.perSecond).toLocaleString("en-US").padStart(7)} requests/s   server CPU ${run.cpuUs.toFixed(1).padStart(5)} µs/request   latency p50 ${run.p50} ms, p99 ${run.p99} ms   ${run.total.toLocaleString("en-US")} requests, non-2xx ${run.non2xx}, errors ${run.errors}`;

/** check_execution_status over the node's HTTP gateway beside the bare peer, taking turns; prints every run and the ratios. */
export async function statusThroughput(httpUrl: string, executionId: string, log: (line?: string) => void): Promise<void> {
  const body = JSON.stringify({ execution_id: executionId });
  const answer = await (await fetch(`${httpUrl}/check_execution_status`, { method: "POST", headers: { "content-type": "application/json" }, body })).text();
  const peer = await bareJsonServer(answer);
  log(`check_execution_status over HTTP, autocannon in a child process (${AUTOCANNON.connections} connections, ${AUTOCANNON.seconds} s a run), taking turns with a bare node:http peer answering the same ${Buffer.byteLength(answer)} bytes`);
  const ours: Run[] = [];
  const bare: Run[] = [];
  try {
    for (let round = 0; round < ROUNDS; round++) {
      ours.push(await load(`${httpUrl}/check_execution_status`, body));
      log(line("ours", ours.at(-1)!));
      bare.push(await load(peer.url, body));
      log(line("bare node:http peer", bare.at(-1)!));
    }
  } finally {
    await peer.close();
  }
  const sum = (runs: Run[], pick: (r: Run) => number) => runs.reduce((n, r) => n + pick(r), 0);
  const oursRate = sum(ours, (r) => r.total) / (ROUNDS * AUTOCANNON.seconds);
  const bareRate = sum(bare, (r) => r.total) / (ROUNDS * AUTOCANNON.seconds);
  const cpu = (runs: Run[]) => sum(runs, (r) => r.cpuUs * r.total) / sum(runs, (r) => r.total);
  log(`  all runs: ours ${Math.round(oursRate).toLocaleString("en-US")} requests/s, peer ${Math.round(bareRate).toLocaleString("en-US")} (ours ${(oursRate / bareRate).toFixed(2)}x the peer); server CPU ${cpu(ours).toFixed(1)} vs ${cpu(bare).toFixed(1)} µs/request (ours ${(cpu(ours) / cpu(bare)).toFixed(2)}x)`);
  log();
}
