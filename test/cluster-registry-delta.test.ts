import type { ChildProcess } from "node:child_process";
import { test } from "uvu";
import * as assert from "uvu/assert";
import { eventually } from "./helpers/engine-fixture.js";
import { cutProxy } from "./helpers/cut-proxy.js";
import { startNatsServer, type NatsServer } from "./helpers/nats-server.js";
import { startMember, type RegistryMember } from "./helpers/registry-member.js";
import type { FromChild, ToChild } from "./helpers/registry-members-child.js";
import { AskedChild } from "./helpers/asked-child.js";
import { refreshPeriodMs } from "../src/cluster/registry/delta-beats.js";

/** Long enough that nothing a test waits for can come from the slow refresh. */
const NO_REFRESH_MS = 600_000;

const nats: NatsServer = await startNatsServer();
const members: RegistryMember[] = [];
const children: ChildProcess[] = [];

async function member(id: string, options: Partial<Parameters<typeof startMember>[2]> = {}, url = nats.url): Promise<RegistryMember> {
  const started = await startMember(url, id, { beats: "delta", refreshMs: NO_REFRESH_MS, ...options });
  members.push(started);
  return started;
}

const statusIn = (viewer: RegistryMember, id: string): string | undefined => viewer.registry.snapshot().find((n) => n.id === id)?.status;

/** Simulated nodes in a process of their own (the benchmark's child): what a test SIGKILLs or pauses. */
async function membersProcess(ids: string[]): Promise<ChildProcess> {
  const { child } = await AskedChild.start<ToChild, FromChild>(new URL("./helpers/registry-members-child.js", import.meta.url), { t: "start", url: nats.url, beats: "delta", ids, churn: 0 });
  children.push(child);
  return child;
}

test.after(async () => {
  for (const child of children) child.kill("SIGKILL");
  for (const m of members) await m.close().catch(() => undefined);
  await nats.close();
});

test("registry delta - a material change (status) is seen by the others at once, not at the refresh", async () => {
  const a = await member("change-a");
  const b = await member("change-b");
  await eventually(() => (statusIn(b, "change-a") === "up" ? true : undefined), 5000, "b sees a up");
  a.self.setStatus("draining");
  await eventually(() => (statusIn(b, "change-a") === "draining" ? true : undefined), 5000, "b sees a draining");
  a.self.setLoad(5);
  const load = await eventually(() => { const n = b.registry.node("change-a"); return n?.load === 5 ? n.load : undefined; }, 5000, "b sees a's load");
  assert.is(load, 5);
  for (const m of [a, b]) await m.close();
});

test("registry delta - a newcomer sees every node from the join snapshot, without waiting for the refresh", async () => {
  const ids = ["snap-1", "snap-2", "snap-3", "snap-4", "snap-5", "snap-6"];
  const existing = await Promise.all(ids.map((id) => member(id)));
  const newcomer = await member("snap-new");
  const seen = await eventually(() => {
    const up = newcomer.registry.snapshot().filter((n) => n.status === "up").map((n) => n.id);
    return ids.every((id) => up.includes(id)) ? up : undefined;
  }, 5000, "the newcomer lists all six");
  assert.equal(seen.filter((id) => id.startsWith("snap-")).sort(), [...ids, "snap-new"].sort());
  for (const m of existing) await eventually(() => (statusIn(m, "snap-new") === "up" ? true : undefined), 5000, `${m.id} sees the newcomer`);
  for (const m of [...existing, newcomer]) await m.close();
});

test("registry delta - the full refresh slows as the cluster grows: every node's together stay near ten a second", () => {
  assert.is(refreshPeriodMs(30_000, 100), 30_000, "the operator's period up to 300 nodes");
  assert.is(refreshPeriodMs(30_000, 1000), 100_000);
  for (const nodes of [1000, 5000]) assert.is(nodes / (refreshPeriodMs(30_000, nodes) / 1000), 10, `${nodes} nodes: 10 entries a second cluster-wide, each to every node`);
});

test("registry delta - a change missed while cut off from NATS converges at the next full refresh", async () => {
  const proxy = await cutProxy(nats.port);
  // Liveness beats once a minute: only the 1 s full refresh can bring what the member missed.
  const changing = await member("missed-a", { heartbeatMs: 60_000, refreshMs: 1000 });
  const cutOff = await member("missed-b", { heartbeatMs: 60_000, reconnectWaitMs: 300 }, proxy.url);
  try {
    await eventually(() => (statusIn(cutOff, "missed-a") === "up" ? true : undefined), 5000, "b sees a up");
    let reconnected = false;
    void (async () => {
      for await (const status of cutOff.nc.status()) if (status.type === "reconnect") reconnected = true;
    })();
    proxy.cut();
    changing.self.setStatus("draining");
    await changing.nc.flush();
    await eventually(() => (reconnected ? true : undefined), 10_000, "b back on NATS");
    await eventually(() => (statusIn(cutOff, "missed-a") === "draining" ? true : undefined), 10_000, "b sees a draining after the refresh");
  } finally {
    for (const m of [changing, cutOff]) await m.close();
    await proxy.close();
  }
});

test("registry delta - a SIGKILLed node is seen gone by every node, by its watchers and through their verdict by the rest", async () => {
  const observers = await Promise.all(["kill-1", "kill-2", "kill-3", "kill-4", "kill-5", "kill-6"].map((id) => member(id)));
  const victim = await membersProcess(["kill-victim"]);
  for (const o of observers) await eventually(() => (statusIn(o, "kill-victim") === "up" ? true : undefined), 5000, `${o.id} sees the victim`);
  victim.kill("SIGKILL");
  for (const o of observers) await eventually(() => (statusIn(o, "kill-victim") === "down" ? true : undefined), 10_000, `${o.id} sees the victim down`);
  for (const o of observers) await o.close();
});

test("registry delta - a paused node (connection open) is judged down by missed beats, then up again once it resumes", async () => {
  const observers = await Promise.all(["pause-1", "pause-2", "pause-3", "pause-4", "pause-5"].map((id) => member(id)));
  const paused = await membersProcess(["pause-victim"]);
  for (const o of observers) await eventually(() => (statusIn(o, "pause-victim") === "up" ? true : undefined), 5000, `${o.id} sees it`);
  paused.kill("SIGSTOP");
  try {
    for (const o of observers) await eventually(() => (statusIn(o, "pause-victim") === "down" ? true : undefined), 10_000, `${o.id} sees it down`);
  } finally {
    paused.kill("SIGCONT");
  }
  for (const o of observers) await eventually(() => (statusIn(o, "pause-victim") === "up" ? true : undefined), 10_000, `${o.id} sees it up again`);
  for (const o of observers) await o.close();
});

test.run();
