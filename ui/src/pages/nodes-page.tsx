import { useEffect, useState } from "preact/hooks";
import { clock } from "../format";
import { followStream } from "../sse";

interface NodeInfo {
  id: string;
  tags: string[];
  capacity: number;
  load: number;
  gateways: { kind: string; address: string }[];
  version: string;
  started_at: number;
  status: "up" | "draining" | "down";
  /** A cluster node's numeric resources and placed-step slots; a single node has none. */
  resources?: { total: Record<string, number>; free: Record<string, number> };
  steps?: { capacity: number; load: number };
}

/** `gpu 1/2 free`: what placed steps have not reserved, of all the node has. */
function freeResources(n: NodeInfo): string {
  const total = Object.entries(n.resources?.total ?? {});
  return total.length === 0 ? "—" : total.map(([name, amount]) => `${name} ${n.resources!.free[name] ?? 0}/${amount} free`).join(", ");
}

/** The cluster's nodes (on a single node, itself), kept live by the registry's watch stream. */
export function NodesPage() {
  const [nodes, setNodes] = useState<Map<string, NodeInfo>>(new Map());
  const [stream, setStream] = useState("connecting");
  useEffect(() => {
    const stop = new AbortController();
    void followStream({
      path: "/nodes/events",
      afterSeq: 0,
      signal: stop.signal,
      isEnd: () => false,
      onState: setStream,
      onMessage: (m) => {
        if (!m.event.startsWith("node.")) return;
        const { node } = JSON.parse(m.data) as { node: NodeInfo };
        setNodes((old) => new Map(old).set(node.id, m.event === "node.down" ? { ...node, status: "down" } : node));
      },
    });
    return () => stop.abort();
  }, []);
  const list = [...nodes.values()].sort((a, b) => a.id.localeCompare(b.id));
  return (
    <section aria-labelledby="nodes-title">
      <h1 id="nodes-title">
        Nodes <span class="count">{list.length}</span>
      </h1>
      <p class="muted">live: {stream}</p>
      <table class="list" aria-label="Nodes">
        <thead>
          <tr>
            <th scope="col">node</th>
            <th scope="col">status</th>
            <th scope="col">tags</th>
            <th scope="col">load / capacity</th>
            <th scope="col">placed steps</th>
            <th scope="col">resources</th>
            <th scope="col">gateways</th>
            <th scope="col">version</th>
            <th scope="col">up since</th>
          </tr>
        </thead>
        <tbody>
          {list.map((n) => (
            <tr key={n.id} data-node={n.id} data-status={n.status}>
              <td class="mono nowrap">{n.id}</td>
              <td>
                <span class={`badge node-${n.status}`}>{n.status}</span>
              </td>
              <td>
                {n.tags.length === 0 ? <span class="muted">none</span> : n.tags.map((t) => <span class="tag" key={t}>{t}</span>)}
              </td>
              <td>
                <span class="progress-cell">
                  <progress max={Math.max(1, n.capacity)} value={n.load} aria-label={`load ${n.load} of ${n.capacity}`} />
                  <span>
                    {n.load} / {n.capacity}
                  </span>
                </span>
              </td>
              <td class="nowrap">{n.steps === undefined ? "—" : `${n.steps.load} / ${n.steps.capacity}`}</td>
              <td data-resources>{freeResources(n)}</td>
              <td>{n.gateways.map((g) => `${g.kind} ${g.address}`).join(", ") || "—"}</td>
              <td>{n.version}</td>
              <td>{clock(n.started_at)}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </section>
  );
}
