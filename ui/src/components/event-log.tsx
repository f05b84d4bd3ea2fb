import type { ExecutionEvent } from "../execution-state";

function summary(event: ExecutionEvent): string {
  const data = event.data ?? {};
  if (data["error"] && typeof data["error"] === "object") return String((data["error"] as { message?: string }).message ?? "");
  if (typeof data["node"] === "string") return `on ${data["node"]}`;
  if (typeof data["completed"] === "number") return `${data["completed"]}/${data["total"]}`;
  // Waiting in the node's queue: where, and which limit holds it.
  if (typeof data["position"] === "number" && typeof data["reason"] === "string") return `queued at ${data["position"]} (priority ${String(data["priority"])}): ${data["reason"]}`;
  // A step waiting for a node: why (which tags nobody offers, which nodes are full).
  if (data["kind"] === "pending" && typeof data["message"] === "string") return `waiting: ${data["message"]}`;
  return "";
}

/** The execution's events in order, one row each, newest at the bottom. */
export function EventLog(props: { events: ExecutionEvent[] }) {
  return (
    <div class="event-log" tabIndex={0} aria-label="Event history">
      <table>
        <thead>
          <tr>
            <th scope="col">seq</th>
            <th scope="col">time</th>
            <th scope="col">event</th>
            <th scope="col">step</th>
            <th scope="col">detail</th>
          </tr>
        </thead>
        <tbody>
          {props.events.map((e) => (
            <tr key={e.seq} data-seq={e.seq}>
              <td>{e.seq}</td>
              <td>{new Date(e.time).toLocaleTimeString()}</td>
              <td>{e.type}</td>
              <td>{e.step ?? ""}{e.attempt !== undefined && e.attempt > 1 ? ` (attempt ${e.attempt})` : ""}</td>
              <td>{summary(e)}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
