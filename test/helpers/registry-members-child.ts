// A few hundred simulated nodes in one process (bench/registry.ts forks a few of these; the registry tests one): each the real registry over
// its own NATS connection, driven over IPC: start, report what the members see, time a placement, stop.
import { aliveSubject } from "../../src/cluster/subjects.js";
import { place } from "../../src/cluster/placement.js";
import { placementNodeOf } from "../../src/cluster/placement-node.js";
import type { BeatMode } from "../../src/cluster/registry/beat-protocol.js";
import { testWire } from "./cluster-key.js";
import { startMember, type RegistryMember } from "./registry-member.js";
import { summary } from "../../bench/lib/stats.js";

export type ToChild =
  | { t: "start"; url: string; beats: BeatMode; ids: string[]; churn: number }
  | { t: "views"; q: number }
  | { t: "expect"; id: string }
  | { t: "expected"; id: string; q: number }
  | { t: "place"; q: number }
  | { t: "stop" };

export type FromChild =
  | { t: "ready" }
  | { t: "views"; q: number; minUp: number }
  | { t: "expected"; q: number; seenAt: (number | null)[] }
  | { t: "place"; q: number; pickUs: number; requestP50: number; requestP99: number }
  | { t: "stopped" };

const members: RegistryMember[] = [];
const expectations = new Map<string, (number | null)[]>();
const stops: (() => void)[] = [];
const send = (message: FromChild): void => void process.send!(message);
const gateways = (id: string) => [
  { kind: "http" as const, address: `http://${id}.workers.cluster.internal:4020` },
  { kind: "grpc" as const, address: `${id}.workers.cluster.internal:50051` },
  { kind: "mcp" as const, address: `http://${id}.workers.cluster.internal:4020/mcp` },
];

async function start(url: string, beats: BeatMode, ids: string[], churn: number): Promise<void> {
  // Joined a few at a time, as a rolling start would: a thousand connects at once only measures the accept queue.
  for (let i = 0; i < ids.length; i += 10) {
    members.push(...(await Promise.all(ids.slice(i, i + 10).map((id) => startMember(url, id, { beats, tags: ["bench", `zone-${id.length % 3}`], capacity: 16, gateways: gateways(id) })))));
  }
  // Load changes on `churn` of the members each second: executions starting and ending.
  const timer = setInterval(() => {
    for (const member of members) if (Math.random() < churn) member.self.setLoad(Math.floor(Math.random() * 16));
  }, 1000);
  stops.push(() => clearInterval(timer));
  send({ t: "ready" });
}

function minUp(): number {
  let min = Number.POSITIVE_INFINITY;
  for (const member of members) min = Math.min(min, member.registry.snapshot().filter((n) => n.status === "up").length);
  return min;
}

function expect(id: string): void {
  const seenAt: (number | null)[] = members.map(() => null);
  expectations.set(id, seenAt);
  members.forEach((member, i) => {
    const stop = member.registry.watch(Number.MAX_SAFE_INTEGER, (event) => {
      if (event.node.id === id && event.type === "node.up" && seenAt[i] === null) seenAt[i] = Date.now();
    });
    stops.push(stop);
  });
}

/** Picking a node from the local view (10,000 picks), and a request to the chosen node and back (its alive subject). */
async function placement(): Promise<{ pickUs: number; requestP50: number; requestP99: number }> {
  const member = members[0]!;
  const picks = 10_000;
  const started = performance.now();
  let chosen = "";
  for (let i = 0; i < picks; i++) {
    const result = place({ kind: "execution", tags: ["bench"] }, member.registry.snapshot().map(placementNodeOf));
    if ("node" in result) chosen = result.node.id;
  }
  const pickUs = ((performance.now() - started) * 1000) / picks;
  const wire = testWire(member.nc);
  const rounds: number[] = [];
  for (let i = 0; i < 50; i++) {
    const result = place({ kind: "execution", tags: ["bench"] }, member.registry.snapshot().map(placementNodeOf));
    chosen = "node" in result ? result.node.id : chosen;
    const at = performance.now();
    await wire.request(aliveSubject(chosen), new Uint8Array(0), { timeout: 5000 }).catch(() => undefined);
    rounds.push(performance.now() - at);
  }
  const { p50, p99 } = summary(rounds);
  return { pickUs, requestP50: p50, requestP99: p99 };
}

process.on("message", (message: ToChild) => {
  if (message.t === "start") void start(message.url, message.beats, message.ids, message.churn);
  else if (message.t === "views") send({ t: "views", q: message.q, minUp: minUp() });
  else if (message.t === "expect") expect(message.id);
  else if (message.t === "expected") send({ t: "expected", q: message.q, seenAt: expectations.get(message.id) ?? [] });
  else if (message.t === "place") void placement().then((p) => send({ t: "place", q: message.q, ...p }));
  else if (message.t === "stop") {
    for (const stop of stops) stop();
    void Promise.all(members.map((m) => m.close().catch(() => undefined))).then(() => {
      send({ t: "stopped" });
      process.exit(0);
    });
  }
});
process.on("disconnect", () => process.exit(0));
