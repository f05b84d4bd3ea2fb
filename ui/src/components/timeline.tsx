import type { ExecutionView } from "../execution-state";

/** One bar per attempt of each step, on a shared time axis from the execution's start: retries show as extra bars. */
export function Timeline(props: { view: ExecutionView; now: number }) {
  const { view } = props;
  const start = view.startMs;
  const steps = [...view.steps.values()].filter((s) => s.attempts.length > 0);
  if (start === undefined || steps.length === 0) return <p class="muted">No step has started yet.</p>;
  // The clock ticks every half second; an event newer than the tick still fits on the axis.
  const latest = Math.max(...steps.flatMap((s) => s.attempts.map((a) => a.end ?? a.start)));
  const end = view.endMs ?? Math.max(props.now, latest);
  const span = Math.max(1, end - start);
  const pct = (t: number) => `${Math.min(100, Math.max(0, ((t - start) / span) * 100)).toFixed(2)}%`;
  return (
    <div class="timeline" role="table" aria-label="Timeline of step attempts">
      <div class="timeline-axis" role="row">
        <span role="columnheader">step</span>
        <span role="columnheader">0 s — {(span / 1000).toFixed(2)} s</span>
      </div>
      {steps.map((step) => (
        <div class="timeline-row" role="row" key={step.id}>
          <span class="timeline-label" role="rowheader">{step.id}</span>
          <span class="timeline-track" role="cell">
            {step.attempts.map((a) => {
              const stop = a.end ?? end;
              const title = `${step.id} attempt ${a.attempt}: ${((stop - a.start) / 1000).toFixed(2)} s${a.outcome ? `, ${a.outcome}` : ", running"}`;
              return <span key={a.attempt} class={`bar outcome-${a.outcome ?? "running"}`} style={{ left: pct(a.start), width: `max(3px, calc(${pct(stop)} - ${pct(a.start)}))` }} title={title} aria-label={title} />;
            })}
          </span>
        </div>
      ))}
    </div>
  );
}
