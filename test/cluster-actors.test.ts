import { connect, type NatsConnection } from "@nats-io/transport-node";
import { test } from "uvu";
import * as assert from "uvu/assert";
import { createActorSystem, type ActorLogic, type ActorRef, type LocalActorSystem, type Signal } from "../src/actors/index.js";
import { ActorLinks, ClusterNodeRegistry } from "../src/cluster/index.js";
import { LocalNodeRegistry } from "../src/engine/index.js";
import { eventually } from "./helpers/engine-fixture.js";
import { startNatsServer } from "./helpers/nats-server.js";
import { testWire } from "./helpers/cluster-key.js";

const nats = await startNatsServer();

interface Member {
  system: LocalActorSystem;
  nc: NatsConnection;
  registry: ClusterNodeRegistry;
  links: ActorLinks;
}

/** One node's actor system, its NATS connection, its registry entry and its links to the others. */
async function member(id: string): Promise<Member> {
  const system = createActorSystem({ id });
  const nc = await connect({ servers: nats.url });
  const registry = new ClusterNodeRegistry(new LocalNodeRegistry({ id, tags: [], capacity: 1, version: "0.1.0" }), { heartbeatMs: 200, missedBeatsDown: 3 });
  const wire = testWire(nc);
  registry.attach(wire);
  await registry.announce();
  return { system, nc, registry, links: new ActorLinks(system, wire, registry) };
}

/** On the hosting system: greets its parent with where it runs, and echoes what it is sent. */
const echoKind = (systemId: string) => (spec: { greeting: string }): ActorLogic<null, { text: string }> => ({
  start(ctx) {
    ctx.parent?.tell({ hello: spec.greeting, from: systemId });
    return null;
  },
  receive(state, message, ctx) {
    ctx.parent?.tell({ echo: message.text, from: systemId });
    return state;
  },
});

type Seen = { message: unknown } | { signal: { type: Signal["type"]; code?: string } };

/** A parent on system A that spawns its child on system B by kind, watches it, and records what comes back. */
function boss(seen: Seen[], onChild: (child: ActorRef<{ text: string }>) => void): ActorLogic<null, unknown> {
  return {
    start(ctx) {
      const child = ctx.spawnRemote<{ text: string }>("node-b", "echo", { greeting: "hi" }, { name: "echo-1" });
      ctx.watch(child);
      onChild(child);
      return null;
    },
    receive: (state, message) => (seen.push({ message }), state),
    onSignal: (state, signal) => {
      seen.push({ signal: { type: signal.type, ...(signal.type === "terminated" && signal.error !== undefined ? { code: (signal.error as { code?: string }).code } : {}) } });
      return state;
    },
  };
}

const a = await member("node-a");
const b = await member("node-b");
b.system.registerKind("echo", echoKind("node-b"));

test.after(async () => {
  for (const m of [a, b]) {
    m.links.close();
    await m.registry.close();
    if (!m.nc.isClosed()) await m.nc.close();
    await m.system.terminate();
  }
  await nats.close();
});

test("cluster actors - a parent spawns its child on another node over NATS by kind; messages go both ways in order", async () => {
  await eventually(async () => ((await a.registry.list()).some((n) => n.id === "node-b" && n.status === "up") ? true : undefined), 5000, "node-b seen");
  const seen: Seen[] = [];
  let child: ActorRef<{ text: string }> | undefined;
  a.system.spawn(boss(seen, (c) => (child = c)), { name: "boss" });
  for (const text of ["one", "two", "three"]) child!.tell({ text });
  await eventually(() => (seen.length >= 4 ? true : undefined), 5000, "greeting and echoes");
  assert.equal(seen.slice(0, 4), [{ message: { hello: "hi", from: "node-b" } }, { message: { echo: "one", from: "node-b" } }, { message: { echo: "two", from: "node-b" } }, { message: { echo: "three", from: "node-b" } }]);
  a.system.stop(child!);
  await eventually(() => (seen.some((s) => "signal" in s && s.signal.type === "terminated") ? true : undefined), 5000, "terminated after stop");
});

test("cluster actors - when a node's beats stop, the actors it hosted are terminated for their watchers (WFX_ACTOR_SYSTEM_DOWN)", async () => {
  const seen: Seen[] = [];
  a.system.spawn(boss(seen, () => {}), { name: "boss-2" });
  await eventually(() => (seen.some((s) => "message" in s) ? true : undefined), 5000, "the child greeted");
  // Node B vanishes without a word (a crash): its connection drops, its beats stop.
  b.links.close();
  await b.nc.close();
  const ended = await eventually(() => seen.find((s) => "signal" in s && s.signal.type === "terminated"), 5000, "terminated after node-b went down");
  assert.equal(ended, { signal: { type: "terminated", code: "WFX_ACTOR_SYSTEM_DOWN" } });
  assert.ok((await a.registry.list()).some((n) => n.id === "node-b" && n.status === "down"));
});

test.run();
