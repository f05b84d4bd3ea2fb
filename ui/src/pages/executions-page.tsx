import { useEffect, useState } from "preact/hooks";
import { call, getJson } from "../api";
import { clock, seconds } from "../format";
import { href } from "../router";

interface Summary {
  execution_id: string;
  status: string;
  workflow_name?: string;
  execution_mode?: string;
  start_time?: number;
  elapsed_time?: number;
  node?: string;
  progress?: { completed_steps: number; total_steps: number; message: string };
}

interface Listing {
  executions: Summary[];
  total_count: number;
  counts: Record<string, number>;
  offset: number;
  limit: number;
}

const STATUSES = ["running", "queued", "pending", "completed", "failed", "timeout", "cancelled"];
const PERIODS: Record<string, number | undefined> = { "any time": undefined, "last 15 minutes": 900, "last hour": 3600, "last 24 hours": 86_400, "last 7 days": 604_800 };
const PAGE = 50;
// The list is read again this often: new executions and status changes appear without a reload.
const REFRESH_MS = 1000;

interface Filters {
  status: string;
  workflow: string;
  node: string;
  period: string;
  offset: number;
}

function queryOf(f: Filters): string {
  const q = new URLSearchParams({ limit: String(PAGE), offset: String(f.offset) });
  if (f.status !== "") q.set("status", f.status);
  if (f.workflow !== "") q.set("workflow_name", f.workflow);
  if (f.node !== "") q.set("node", f.node);
  const period = PERIODS[f.period];
  if (period !== undefined) q.set("since", String(Math.floor(Date.now() / 1000) - period));
  return q.toString();
}

function Progress(props: { p: Summary["progress"] }) {
  const p = props.p;
  if (!p || p.total_steps === 0) return <span class="muted">—</span>;
  return (
    <span class="progress-cell">
      <progress max={p.total_steps} value={p.completed_steps} aria-label={`${p.completed_steps} of ${p.total_steps} steps`} />
      <span>
        {p.completed_steps}/{p.total_steps}
      </span>
    </span>
  );
}

export function ExecutionsPage() {
  const [filters, setFilters] = useState<Filters>({ status: "", workflow: "", node: "", period: "any time", offset: 0 });
  const [listing, setListing] = useState<Listing | undefined>();
  const [error, setError] = useState<string | undefined>();
  const [workflows, setWorkflows] = useState<string[]>([]);
  const [nodes, setNodes] = useState<string[]>([]);

  const listed = listing !== undefined;
  // The filters' suggestions wait for the first page: the list is what the page is for.
  useEffect(() => {
    if (!listed) return;
    call<{ workflows: { name: string }[] }>("list_workflows", {}).then((a) => setWorkflows([...new Set(a.workflows.map((w) => w.name))]), () => undefined);
    getJson<{ nodes: { id: string }[] }>("/nodes").then((a) => setNodes(a.nodes.map((n) => n.id)), () => undefined);
  }, [listed]);

  useEffect(() => {
    const stop = new AbortController();
    let timer: ReturnType<typeof setTimeout> | undefined;
    const load = async () => {
      try {
        setListing(await getJson<Listing>(`/executions?${queryOf(filters)}`, stop.signal));
        setError(undefined);
      } catch (e) {
        if (!stop.signal.aborted) setError((e as Error).message);
      }
      if (!stop.signal.aborted) timer = setTimeout(load, REFRESH_MS);
    };
    void load();
    return () => (stop.abort(), clearTimeout(timer));
  }, [filters]);

  const set = (patch: Partial<Filters>) => setFilters({ ...filters, offset: 0, ...patch });
  const counts = listing?.counts ?? {};
  const all = Object.values(counts).reduce((a, b) => a + b, 0);
  return (
    <section aria-labelledby="executions-title">
      <h1 id="executions-title">Executions</h1>
      <div class="tabs" role="group" aria-label="Filter by status">
        <button type="button" aria-pressed={filters.status === ""} onClick={() => set({ status: "" })}>
          all <span class="count">{all}</span>
        </button>
        {STATUSES.map((s) => (
          <button type="button" key={s} class={`tab status-${s}`} data-status-tab={s} aria-pressed={filters.status === s} onClick={() => set({ status: s })}>
            {s} <span class="count">{counts[s] ?? 0}</span>
          </button>
        ))}
      </div>
      <form class="filters" onSubmit={(e) => e.preventDefault()}>
        <label>
          Workflow
          <input list="workflow-names" value={filters.workflow} onChange={(e) => set({ workflow: (e.target as HTMLInputElement).value.trim() })} placeholder="any" />
          <datalist id="workflow-names">{workflows.map((w) => <option key={w} value={w} />)}</datalist>
        </label>
        <label>
          Node
          <input list="node-ids" value={filters.node} onChange={(e) => set({ node: (e.target as HTMLInputElement).value.trim() })} placeholder="any" />
          <datalist id="node-ids">{nodes.map((n) => <option key={n} value={n} />)}</datalist>
        </label>
        <label>
          Started
          <select value={filters.period} onChange={(e) => set({ period: (e.target as HTMLSelectElement).value })}>
            {Object.keys(PERIODS).map((p) => <option key={p}>{p}</option>)}
          </select>
        </label>
      </form>
      {error && <p class="error-box" role="alert">{error}</p>}
      {!listing ? (
        <p class="muted">Loading…</p>
      ) : listing.executions.length === 0 ? (
        <p class="muted">No executions match.</p>
      ) : (
        <table class="list" aria-label="Executions, newest first">
          <thead>
            <tr>
              <th scope="col">execution</th>
              <th scope="col">workflow</th>
              <th scope="col">status</th>
              <th scope="col">mode</th>
              <th scope="col">node</th>
              <th scope="col">started</th>
              <th scope="col">elapsed</th>
              <th scope="col">progress</th>
            </tr>
          </thead>
          <tbody>
            {listing.executions.map((x) => (
              <tr key={x.execution_id} data-execution={x.execution_id} data-status={x.status}>
                <td>
                  <a href={href(`/executions/${encodeURIComponent(x.execution_id)}`)} class="mono">{x.execution_id.slice(0, 8)}</a>
                </td>
                <td>{x.workflow_name}</td>
                <td>
                  <span class={`badge status-${x.status}`}>{x.status}</span>
                </td>
                <td>{x.execution_mode}</td>
                <td>{x.node}</td>
                <td>{clock(x.start_time)}</td>
                <td>{seconds(x.elapsed_time)}</td>
                <td>
                  <Progress p={x.progress} />
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      {listing && listing.total_count > PAGE && (
        <nav class="pager" aria-label="Pages">
          <button type="button" disabled={filters.offset === 0} onClick={() => setFilters({ ...filters, offset: Math.max(0, filters.offset - PAGE) })}>
            Newer
          </button>
          <span>
            {filters.offset + 1}–{Math.min(filters.offset + PAGE, listing.total_count)} of {listing.total_count}
          </span>
          <button type="button" disabled={filters.offset + PAGE >= listing.total_count} onClick={() => setFilters({ ...filters, offset: filters.offset + PAGE })}>
            Older
          </button>
        </nav>
      )}
    </section>
  );
}
