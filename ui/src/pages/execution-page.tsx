import { useEffect, useMemo, useRef, useState } from "preact/hooks";
import { call, getJson, may, type Session } from "../api";
import { EventLog } from "../components/event-log";
import { StepDetail } from "../components/step-detail";
import { StepGraph } from "../components/step-graph";
import { Timeline } from "../components/timeline";
import { cacheEvents, cachedEvents } from "../event-cache";
import { applyEvent, emptyView, type ExecutionEvent } from "../execution-state";
import { clock, json, seconds, TERMINAL } from "../format";
import { followStream } from "../sse";

interface Record_ {
  execution_id: string;
  status: string;
  message: string;
  workflow_name?: string;
  execution_mode?: string;
  start_time?: number;
  elapsed_time?: number;
  node?: string;
  result?: unknown;
  error?: { code: string; message: string; hint?: string };
  progress?: { completed_steps: number; total_steps: number; message: string };
  /** Set when the node exports traces; `trace_url` when its operator names a trace viewer. */
  trace_id?: string;
  trace_url?: string;
}

export function ExecutionPage(props: { id: string; session: Session }) {
  const { id } = props;
  const [record, setRecord] = useState<Record_ | undefined>();
  const [missing, setMissing] = useState(false);
  const [events, setEvents] = useState<ExecutionEvent[]>([]);
  const [selected, setSelected] = useState<string | undefined>();
  const [stream, setStream] = useState<string>("connecting");
  const [now, setNow] = useState(Date.now());
  const [cancelNote, setCancelNote] = useState<string | undefined>();
  const saved = useRef<ExecutionEvent[]>([]);

  // The view is rebuilt from the events, so it is the same whether they came from the cache or the stream.
  const view = useMemo(() => {
    const v = emptyView();
    for (const e of events) applyEvent(v, e);
    return v;
  }, [events]);

  useEffect(() => {
    const stop = new AbortController();
    const initial = cachedEvents(id);
    saved.current = initial;
    setEvents(initial);
    getJson<Record_>(`/executions/${encodeURIComponent(id)}`, stop.signal).then((r) => (r.status === "not_found" ? setMissing(true) : setRecord(r)), () => undefined);
    let pending: ExecutionEvent[] = [...initial];
    let flush: number | undefined;
    void followStream({
      path: `/executions/${encodeURIComponent(id)}/events`,
      afterSeq: initial.at(-1)?.seq ?? 0,
      signal: stop.signal,
      isEnd: (m) => m.event === "end",
      onState: (state) => setStream(state),
      onMessage: (m) => {
        if (m.event === "end") return setRecord(JSON.parse(m.data) as Record_);
        if (m.event === "error") return setStream(`error: ${m.data}`);
        const event = JSON.parse(m.data) as ExecutionEvent;
        // A repeat (a reconnect racing a late event) is dropped: each seq is shown once.
        if (event.seq <= (pending.at(-1)?.seq ?? 0)) return;
        pending = [...pending, event];
        saved.current = pending;
        // Events of the same moment are drawn together.
        flush ??= requestAnimationFrame(() => {
          flush = undefined;
          setEvents(pending);
          cacheEvents(id, pending);
        });
      },
    });
    const persist = () => cacheEvents(id, saved.current);
    addEventListener("pagehide", persist);
    return () => (stop.abort(), persist(), removeEventListener("pagehide", persist), flush !== undefined && cancelAnimationFrame(flush));
  }, [id]);

  const status = record && TERMINAL.has(record.status) ? record.status : view.status;
  const running = !TERMINAL.has(status);
  useEffect(() => {
    if (!running) return;
    const tick = setInterval(() => setNow(Date.now()), 500);
    return () => clearInterval(tick);
  }, [running]);

  if (missing) return <p class="error-box" role="alert">No execution with id {id}.</p>;
  const cancel = async () => {
    setCancelNote("cancelling…");
    try {
      const answer = await call<{ message: string }>("cancel_execution", { execution_id: id, reason: `cancelled from the dashboard by ${props.session.id}` });
      setCancelNote(answer.message);
    } catch (e) {
      setCancelNote((e as Error).message);
    }
  };
  const elapsed = view.startMs === undefined ? record?.elapsed_time : ((view.endMs ?? now) - view.startMs) / 1000;
  const result = record?.result ?? view.result;
  const error = record?.error ?? view.error;
  return (
    <section aria-labelledby="execution-title">
      <div class="page-head">
        <h1 id="execution-title">
          {record?.workflow_name ?? "Execution"} <span class={`badge status-${status}`} data-testid="execution-status">{status}</span>
        </h1>
        {running && may(props.session, "execute") && (
          <button type="button" class="danger" onClick={cancel}>
            Cancel execution
          </button>
        )}
      </div>
      {cancelNote && <p role="status">{cancelNote}</p>}
      <dl class="facts inline">
        <dt>id</dt>
        <dd class="mono">{id}</dd>
        <dt>mode</dt>
        <dd>{record?.execution_mode ?? "—"}</dd>
        <dt>node</dt>
        <dd>{view.node ?? record?.node ?? "—"}</dd>
        <dt>started</dt>
        <dd>{clock(record?.start_time)}</dd>
        <dt>elapsed</dt>
        <dd>{seconds(elapsed)}</dd>
        <dt>stream</dt>
        <dd data-testid="stream-state">{stream}</dd>
        {record?.trace_id && (
          <>
            <dt>trace</dt>
            <dd class="mono" data-testid="trace">
              {record.trace_url ? (
                <a href={record.trace_url} target="_blank" rel="noopener noreferrer">
                  {record.trace_id}
                </a>
              ) : (
                record.trace_id
              )}
            </dd>
          </>
        )}
      </dl>
      {error && (
        <div class="error-box" role="alert">
          <strong>{error.code}</strong>: {error.message}
          {error.hint && <p class="hint">hint: {error.hint}</p>}
        </div>
      )}
      {status === "completed" && (
        <>
          <h2>Result</h2>
          <pre class="code" data-testid="result">{json(result)}</pre>
        </>
      )}
      <div class="columns">
        <div class="graph-box">
          <h2>Steps</h2>
          <StepGraph graph={view.graph} steps={view.steps} selected={selected} onSelect={setSelected} />
        </div>
        <div class="detail-box">
          <StepDetail step={selected === undefined ? undefined : view.steps.get(selected)} />
        </div>
      </div>
      <h2>Timeline</h2>
      <Timeline view={view} now={now} />
      <h2>
        Events <span class="count" data-testid="event-count">{events.length}</span>
      </h2>
      <EventLog events={events} />
    </section>
  );
}
