import { useState } from "preact/hooks";
import { storeToken } from "../token";

/** Asks for the API's bearer token; it is kept in this tab's sessionStorage only. */
export function TokenPrompt(props: { problem: string; onToken: () => void }) {
  const [token, setToken] = useState("");
  const submit = (e: Event) => {
    e.preventDefault();
    if (token.trim() === "") return;
    storeToken(token.trim());
    props.onToken();
  };
  return (
    <form class="card token-form" onSubmit={submit}>
      <h1>Sign in</h1>
      <p>This node asks for a bearer token, the same one its API takes. It stays in this browser tab only.</p>
      {props.problem !== "" && <p class="error-box" role="alert">{props.problem}</p>}
      <label for="token">Bearer token</label>
      <input id="token" name="token" type="password" autoComplete="off" value={token} onInput={(e) => setToken((e.target as HTMLInputElement).value)} required />
      <button type="submit">Open the dashboard</button>
    </form>
  );
}
