import { render } from "preact";
import { useEffect, useState } from "preact/hooks";
import { ApiError, getJson, may, type Session } from "./api";
import { TokenPrompt } from "./components/token-prompt";
import { ExecutionPage } from "./pages/execution-page";
import { ExecutionsPage } from "./pages/executions-page";
import { NodesPage } from "./pages/nodes-page";
import { StartPage } from "./pages/start-page";
import { href, onLinkClick, useRoute } from "./router";
import { forgetToken, storedToken } from "./token";
import "./styles.css";

function Page(props: { route: string; session: Session }) {
  const execution = /^\/executions\/([^/]+)$/.exec(props.route);
  if (execution) return <ExecutionPage id={decodeURIComponent(execution[1]!)} session={props.session} />;
  if (props.route === "/nodes") return <NodesPage />;
  if (props.route === "/start") return <StartPage session={props.session} />;
  return <ExecutionsPage />;
}

function App() {
  const route = useRoute();
  const [session, setSession] = useState<Session | undefined>();
  const [problem, setProblem] = useState<string | undefined>();
  const [attempt, setAttempt] = useState(0);

  useEffect(() => {
    getJson<Session>("/whoami")
      .then((s) => (setSession(s), setProblem(undefined)))
      .catch((error: unknown) => {
        setSession(undefined);
        if (!(error instanceof ApiError) || error.status !== 401) return setProblem(String((error as Error).message));
        // A refused token is dropped so the prompt asks again.
        const refused = storedToken() !== undefined;
        forgetToken();
        setProblem(refused ? `The token was refused: ${error.message}` : "");
      });
  }, [attempt]);

  const signOut = () => (forgetToken(), setSession(undefined), setAttempt((n) => n + 1));
  return (
    <div class="app" onClick={onLinkClick}>
      <header class="top">
        <a class="brand" href={href("/")}>Workflow Executor</a>
        <nav aria-label="Main">
          <a href={href("/")} aria-current={route === "/" || route.startsWith("/executions") ? "page" : undefined}>Executions</a>
          {session && may(session, "execute") && <a href={href("/start")} aria-current={route === "/start" ? "page" : undefined}>Start a run</a>}
          <a href={href("/nodes")} aria-current={route === "/nodes" ? "page" : undefined}>Nodes</a>
        </nav>
        {session && (
          <span class="who">
            {session.open ? "local (no tokens configured)" : `token ${session.id} · ${session.scopes.join(", ")}`} · node {session.node}
            {!session.open && <button type="button" class="link" onClick={signOut}>Sign out</button>}
          </span>
        )}
      </header>
      <main>
        {session ? <Page route={route} session={session} /> : problem === undefined ? <p class="muted">Connecting…</p> : <TokenPrompt problem={problem} onToken={() => setAttempt((n) => n + 1)} />}
      </main>
    </div>
  );
}

render(<App />, document.getElementById("app")!);
