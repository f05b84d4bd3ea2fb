import { Graph, layout } from "@dagrejs/dagre";
import { useMemo } from "preact/hooks";
import type { GraphStep, StepView } from "../execution-state";

const NODE_W = 190;
const NODE_H = 64;

interface Placed {
  nodes: { id: string; x: number; y: number }[];
  edges: { from: string; to: string; points: { x: number; y: number }[] }[];
  width: number;
  height: number;
}

/** Lays the step graph out top to bottom with dagre; recomputed only when the graph itself changes. */
function place(graph: GraphStep[]): Placed {
  const g = new Graph();
  g.setGraph({ rankdir: "TB", nodesep: 28, ranksep: 44, marginx: 12, marginy: 12 });
  g.setDefaultEdgeLabel(() => ({}));
  for (const step of graph) g.setNode(step.id, { width: NODE_W, height: NODE_H });
  for (const step of graph) for (const dep of step.deps) g.setEdge(dep, step.id);
  layout(g);
  const label = g.graph();
  return {
    nodes: graph.map((s) => ({ id: s.id, x: g.node(s.id).x, y: g.node(s.id).y })),
    edges: g.edges().map((e) => ({ from: e.v, to: e.w, points: g.edge(e).points ?? [] })),
    width: label.width ?? NODE_W,
    height: label.height ?? NODE_H,
  };
}

function path(points: { x: number; y: number }[]): string {
  return points.map((p, i) => `${i === 0 ? "M" : "L"}${p.x.toFixed(1)},${p.y.toFixed(1)}`).join(" ");
}

export function StepGraph(props: { graph: GraphStep[]; steps: Map<string, StepView>; selected: string | undefined; onSelect: (id: string) => void }) {
  const placed = useMemo(() => place(props.graph), [props.graph]);
  if (props.graph.length === 0) return <p class="muted">The step graph appears when the execution starts.</p>;
  return (
    <svg class="graph" role="group" aria-label="Step graph" viewBox={`0 0 ${placed.width} ${placed.height}`} width={placed.width} height={placed.height}>
      <defs>
        <marker id="arrow" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="7" markerHeight="7" orient="auto-start-reverse">
          <path d="M0,0 L10,5 L0,10 z" class="arrow" />
        </marker>
      </defs>
      {placed.edges.map((e) => (
        <path key={`${e.from}->${e.to}`} class="edge" d={path(e.points)} marker-end="url(#arrow)" />
      ))}
      {placed.nodes.map((n) => {
        const step = props.steps.get(n.id);
        const status = step?.status ?? "pending";
        const fan = step?.fanOut;
        const fanText = fan ? `×${fan.total} (${fan.completed}/${fan.total})` : props.graph.find((g) => g.id === n.id)?.for_each ? "for_each" : "";
        const detail = [fanText, step?.node ? `on ${step.node}` : ""].filter(Boolean).join(", ");
        return (
          <g
            key={n.id}
            class={`step status-${status}${props.selected === n.id ? " selected" : ""}`}
            data-step={n.id}
            data-status={status}
            transform={`translate(${n.x - NODE_W / 2},${n.y - NODE_H / 2})`}
            tabIndex={0}
            role="button"
            aria-label={`step ${n.id}: ${status}${detail ? `, ${detail}` : ""}`}
            onClick={() => props.onSelect(n.id)}
            onKeyDown={(e) => (e.key === "Enter" || e.key === " ") && (e.preventDefault(), props.onSelect(n.id))}
          >
            <rect width={NODE_W} height={NODE_H} rx="8" />
            <text x="10" y="20" class="step-id">{n.id.length > 20 ? `${n.id.slice(0, 19)}…` : n.id}</text>
            <text x="10" y="37" class="step-detail">{`${status}${fanText ? ` · ${fanText}` : ""}`}</text>
            <text x="10" y="54" class="step-detail">{step?.node ? `on ${step.node}` : step?.kind ?? ""}</text>
          </g>
        );
      })}
    </svg>
  );
}
