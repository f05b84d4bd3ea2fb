import { useEffect, useState } from "preact/hooks";
import { call, may, type Session } from "../api";
import { navigate } from "../router";

interface WorkflowEntry {
  name: string;
  file: string;
  steps: number;
  description?: string;
}

interface Generated {
  workflow_name: string;
  workflow_yaml: string;
  validation_status: string;
  validation_errors: { path: string; message: string; hint: string }[];
  message: string;
  /** For each step, tool and placement rule: the words of the description it came from. */
  explanation?: { part: string; words: string }[];
  warnings?: string[];
}

const MODES = ["async", "isolated", "sync"] as const;

/** The input as the page will send it, or why it is not JSON. */
function parseInput(text: string): { value?: unknown; problem?: string } {
  if (text.trim() === "") return { value: {} };
  try {
    return { value: JSON.parse(text) };
  } catch (error) {
    return { problem: `The input is not valid JSON: ${(error as Error).message}` };
  }
}

function RunSettings(props: { input: string; setInput: (s: string) => void; mode: string; setMode: (s: string) => void; problem: string | undefined; idPrefix: string }) {
  return (
    <>
      <label for={`${props.idPrefix}-input`}>Input (JSON)</label>
      <textarea id={`${props.idPrefix}-input`} rows={6} spellcheck={false} value={props.input} onInput={(e) => props.setInput((e.target as HTMLTextAreaElement).value)} aria-invalid={props.problem !== undefined} aria-describedby={`${props.idPrefix}-input-problem`} />
      <p id={`${props.idPrefix}-input-problem`} class="field-problem" role={props.problem ? "alert" : undefined}>
        {props.problem ?? ""}
      </p>
      <label for={`${props.idPrefix}-mode`}>Mode</label>
      <select id={`${props.idPrefix}-mode`} value={props.mode} onChange={(e) => props.setMode((e.target as HTMLSelectElement).value)}>
        {MODES.map((m) => <option key={m}>{m}</option>)}
      </select>
    </>
  );
}

export function StartPage(props: { session: Session }) {
  const [workflows, setWorkflows] = useState<WorkflowEntry[]>([]);
  const [name, setName] = useState("");
  const [input, setInput] = useState("{}");
  const [mode, setMode] = useState("async");
  const [problem, setProblem] = useState<string | undefined>();
  const [busy, setBusy] = useState(false);
  const [description, setDescription] = useState("");
  const [generated, setGenerated] = useState<Generated | undefined>();

  useEffect(() => {
    call<{ workflows: WorkflowEntry[] }>("list_workflows", {}).then(
      (a) => (setWorkflows(a.workflows), setName((n) => n || (a.workflows[0]?.name ?? ""))),
      (e: Error) => setProblem(e.message),
    );
  }, []);

  if (!may(props.session, "execute")) return <p class="error-box" role="alert">This token may not start executions (it lacks the execute scope).</p>;

  const start = async (args: Record<string, unknown>) => {
    const parsed = parseInput(input);
    if (parsed.problem !== undefined) return setProblem(parsed.problem);
    setProblem(undefined);
    setBusy(true);
    try {
      const answer = await call<{ execution_id: string }>("execute_workflow", { ...args, input_data: parsed.value, execution_mode: mode });
      navigate(`/executions/${encodeURIComponent(answer.execution_id)}`);
    } catch (e) {
      setProblem((e as Error).message);
    } finally {
      setBusy(false);
    }
  };
  const generate = async () => {
    setBusy(true);
    setProblem(undefined);
    try {
      setGenerated(await call<Generated>("generate_workflow", { workflow_description: description }));
    } catch (e) {
      setProblem((e as Error).message);
    } finally {
      setBusy(false);
    }
  };
  const chosen = workflows.find((w) => w.name === name);
  return (
    <section aria-labelledby="start-title">
      <h1 id="start-title">Start a run</h1>
      <form
        class="card"
        onSubmit={(e) => {
          e.preventDefault();
          void start({ workflow_name: name });
        }}
      >
        <h2>From the node's workflows</h2>
        <label for="workflow">Workflow</label>
        <select id="workflow" value={name} onChange={(e) => setName((e.target as HTMLSelectElement).value)}>
          {workflows.map((w) => (
            <option key={`${w.file}:${w.name}`} value={w.name}>
              {w.name} ({w.steps} steps)
            </option>
          ))}
        </select>
        {chosen?.description && <p class="muted">{chosen.description}</p>}
        <RunSettings input={input} setInput={setInput} mode={mode} setMode={setMode} problem={problem} idPrefix="run" />
        {mode === "sync" && <p class="muted">In sync mode the page opens the execution once it has finished.</p>}
        <button type="submit" disabled={busy || name === ""}>
          Run {name}
        </button>
      </form>
      {may(props.session, "generate") && (
        <div class="card">
          <h2>Generate one from a description</h2>
          <label for="description">Description</label>
          <textarea id="description" rows={3} value={description} onInput={(e) => setDescription((e.target as HTMLTextAreaElement).value)} placeholder="Analyze customer feedback, extract insights, and generate action items" />
          <button type="button" disabled={busy || description.trim() === ""} onClick={generate}>
            Generate
          </button>
          {generated && (
            <>
              <h3>
                {generated.workflow_name} <span class={`badge ${generated.validation_status === "valid" ? "status-completed" : "status-failed"}`}>{generated.validation_status}</span>
              </h3>
              <p class="muted">{generated.message}</p>
              {(generated.warnings ?? []).map((w) => (
                <p class="error-box" key={w}>
                  warning: {w}
                </p>
              ))}
              {(generated.explanation ?? []).length > 0 && (
                <table aria-label="Where each part came from">
                  <tbody>
                    {generated.explanation!.map((e) => (
                      <tr key={e.part}>
                        <td>{e.part}</td>
                        <td class="muted">{e.words}</td>
                      </tr>
                    ))}
                  </tbody>
                </table>
              )}
              <pre class="code" aria-label="Generated workflow YAML">{generated.workflow_yaml}</pre>
              {generated.validation_errors.map((p) => (
                <p class="error-box" key={p.path}>
                  {p.path}: {p.message} (hint: {p.hint})
                </p>
              ))}
              <p class="muted">It runs with the input and mode above.</p>
              <button type="button" disabled={busy || generated.validation_status !== "valid"} onClick={() => void start({ workflow_yaml: generated.workflow_yaml, workflow_name: generated.workflow_name })}>
                Run the generated workflow
              </button>
            </>
          )}
        </div>
      )}
    </section>
  );
}
