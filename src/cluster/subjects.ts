/** Every NATS subject the cluster uses, in one place. */
export const SUBJECTS = Object.freeze({
  /** Each node publishes its record here on every heartbeat and change. */
  beat: "wfx.nodes.beat",
  /** A node joining asks every node to beat at once, so its view fills in without waiting a heartbeat. */
  hello: "wfx.nodes.hello",
});

/** Asks one node to drain: it takes nothing new and finishes what it runs (`wfx drain NODE`). */
export function drainSubject(nodeId: string): string {
  return `wfx.node.${nodeId}.drain`;
}

/** The NATS services ($SRV) name nodes answer discovery under: `nats micro ls` lists them as `wfx`. */
export const SERVICE_NAME = "wfx";
