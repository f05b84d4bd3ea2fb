import { json } from "../format";
import type { StepView } from "../execution-state";

/** A step's input, output or error (with its hint), and what its agent streamed: tokens and tool calls. */
export function StepDetail(props: { step: StepView | undefined }) {
  const step = props.step;
  if (!step) return <p class="muted">Select a step in the graph to see its input, output and activity.</p>;
  return (
    <section class="step-detail-panel" aria-label={`step ${step.id}`}>
      <h3>
        {step.id} <span class={`badge status-${step.status}`}>{step.status}</span>
      </h3>
      <dl class="facts">
        <dt>kind</dt>
        <dd>{step.kind}</dd>
        <dt>node</dt>
        <dd>{step.node ?? "—"}</dd>
        <dt>attempts</dt>
        <dd>{step.attempts.length}</dd>
        {step.waiting && (
          <>
            <dt>waiting</dt>
            <dd data-testid="step-waiting">{step.waiting}</dd>
          </>
        )}
        {step.fanOut && (
          <>
            <dt>for_each</dt>
            <dd>
              {step.fanOut.completed} of {step.fanOut.total} iterations done
            </dd>
          </>
        )}
      </dl>
      {step.error && (
        <div class="error-box" role="alert">
          <strong>{step.error.code}</strong>: {step.error.message}
          {step.error.hint && <p class="hint">hint: {step.error.hint}</p>}
        </div>
      )}
      <h4>Input</h4>
      <pre class="code">{json(step.input)}</pre>
      <h4>Output</h4>
      <pre class="code" data-testid="step-output">{json(step.output)}</pre>
      {step.activity.length > 0 && (
        <>
          <h4>Agent activity</h4>
          <ol class="activity" aria-live="polite">
            {step.activity.map((line, i) => (
              <li key={i} class={`activity-${line.kind}`}>
                {line.iteration !== undefined && <span class="muted">[{line.iteration}] </span>}
                <span class="muted">{line.kind.replace("_", " ")}: </span>
                {line.text}
              </li>
            ))}
          </ol>
        </>
      )}
    </section>
  );
}
