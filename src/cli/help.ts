/** What `wfx --help` and `wfx COMMAND --help` print: the overview, and each command's own options with an example. */

const EXIT_CODES = "exit codes: 0 ok, 1 execution failed, 2 bad input, 3 timed out, 4 cancelled, 5 not found, 130 interrupted";
const JSON_OUT = "  --json            machine-readable output (JSON lines)";

const SERVE_OPTIONS = `options:
  --workflows DIR   a folder of workflow files to serve (repeatable; or WFX_WORKFLOWS=dir1:dir2); it must exist
  --port N          HTTP + MCP port (default 4020; 0 picks a free one)
  --grpc-port N     gRPC port (default 50051; 0 picks a free one)
  --host H          address to listen on (default 127.0.0.1 without tokens, else 0.0.0.0)
  --probe-port N    also serve GET /health and /ready alone, without auth, on this port (1-65535; or WFX_PROBE_PORT):
                    the kubelet's httpGet probes of a node that serves no gateway
  --probe-host H    the probe port's address (default 0.0.0.0: the kubelet reaches the pod IP; or WFX_PROBE_HOST)
  --tokens FILE     bearer tokens (or WFX_TOKENS); without tokens the node serves loopback only
  --tls-cert F --tls-key F    serve HTTPS and gRPC over TLS
  --max-concurrent N          executions at once (default 64)
  --max-queued N              executions that may wait for a slot; past it 429 WFX_QUEUE_FULL (default 10000)
  --max-body-bytes N          request and gRPC message cap (default 4 MiB)
  --max-watchers N            open watches (SSE, gRPC watches, watch_execution waits) in all (default 4096; keep it below ulimit -n)
  --default-timeout S         seconds an execution may run when neither the request nor its workflow says (default 3600)
  --max-steps-per-execution N step actors one execution may start, for_each iterations and sub-workflows included (default 100000)
  --tags a,b        node tags tokens may be limited to
  --node-id ID      this node's id
  --audit-log FILE  where the audit log goes (JSON lines; default stderr)
  --trace-url-template URL    a trace viewer's address with {trace_id} (or WFX_TRACE_URL_TEMPLATE): the dashboard links each execution's trace
  --log-format json|pretty    how stderr logs (or WFX_LOG_FORMAT): pretty, one line per request, on a terminal; json elsewhere
  --allowed-host H  Host header to accept besides loopback (repeatable)
  --grace S         seconds running sync calls get on SIGTERM (default 30)
  --no-http, --no-grpc        leave a gateway out
  --resume-policy resume|fail what to do with executions whose process died
  --idempotency-window S      how long an idempotency key keeps its execution (default 86400)
  --nats URL        (wfx node) the cluster's NATS, repeatable (or WFX_NATS_URL)
  --profile FILE    (wfx node) a node profile such as nodes/gpu-worker.yaml (or WFX_NODE_PROFILE)
  --cluster-key-file FILE     (wfx node) the cluster key, one per line, newest first (or WFX_CLUSTER_KEY)
  --insecure-cluster          (wfx node) join without a cluster key: any NATS client can then command the node
  --caller-policy FILE, --caller-tool-types a,b, --caller-http-host H, --caller-mcp-server URL,
  --caller-model-endpoint URL what workflows sent by callers may use`;

export const USAGE = `wfx — run AI workflows

usage:
  wfx run FILE [--workflow NAME] [--input JSON|@file] [--mode sync|async|isolated] [--timeout S] [--json]
          [--env development|staging|production] [--override JSON|@file] [--idempotency-key KEY] [--budget LIMITS] [--priority 0-9]
  wfx run --describe "DESCRIPTION" [--complexity simple|medium|complex] [--out FILE] [run options]
  wfx generate "DESCRIPTION" [--complexity simple|medium|complex] [--name NAME] [--out FILE [--force]] [--template] [--json]
  wfx status ID [--follow] [--nats URL]... [--json]                    --follow: live progress until it ends (Ctrl-C stops following, not the run)
  wfx cancel ID [--nats URL]... [--json]
  wfx list [DIR] [--pattern GLOB] [--json]
  wfx validate FILE [--json]
  wfx serve [--workflows DIR]... [--port 4020] [--grpc-port 50051] [--host H] [--probe-port N] [--tokens FILE] [--tls-cert F --tls-key F]
            [--max-concurrent N] [--max-queued N] [--max-body-bytes N] [--max-watchers N] [--default-timeout S] [--max-steps-per-execution N] [--tags a,b] [--node-id ID] [--audit-log FILE] [--trace-url-template URL] [--log-format json|pretty]
            [--allowed-host H]... [--grace S] [--idempotency-window S] [--no-http] [--no-grpc]   MCP + HTTP and gRPC gateways
  wfx node [--profile FILE] [--nats URL]... [same options as serve]   a node; with NATS it joins the cluster
  wfx nodes [--nats URL]... [--watch] [--json]                          the cluster's nodes, their tags, load and status
  wfx drain NODE [--nats URL]...                                        the node takes nothing new and finishes what it runs
  wfx undrain NODE [--nats URL]...                                      a drained node takes work again
  wfx cluster-key                                                       prints a new random cluster key (WFX_CLUSTER_KEY)
  wfx mcp --stdio [--workflows DIR]...                                  MCP over stdio for desktop clients

options:
  --data-dir DIR   where execution records live (default: $WFX_DATA_DIR or ~/.wfx/data)
  -h, --help       this text (wfx COMMAND --help: that command's options and an example)
  --version        the version of wfx

${EXIT_CODES}`;

/** Each command's usage line (also the hint when an argument is missing), options and an example. */
export const COMMAND_USAGE: Readonly<Record<string, string>> = {
  run: "wfx run FILE [options]   or   wfx run --describe \"DESCRIPTION\" [options]",
  generate: "wfx generate \"DESCRIPTION\" [options]",
  status: "wfx status ID [--follow] [--nats URL]... [--json]",
  cancel: "wfx cancel ID [--nats URL]... [--json]",
  list: "wfx list [DIR] [--pattern GLOB] [--json]",
  validate: "wfx validate FILE [--json]",
  serve: "wfx serve [options]",
  node: "wfx node [options]",
  nodes: "wfx nodes [--nats URL]... [--watch] [--json]",
  drain: "wfx drain NODE [--nats URL]... [--json]",
  undrain: "wfx undrain NODE [--nats URL]... [--json]",
  "cluster-key": "wfx cluster-key",
  mcp: "wfx mcp --stdio [--workflows DIR]... [options]",
};

const COMMAND_HELP: Readonly<Record<string, string>> = {
  run: `Runs a workflow file here; sync and isolated wait for the result (the execution id is printed first, on stderr).

options:
  -w, --workflow NAME   which workflow of the file (default: its only one, else the first)
  -i, --input JSON|@F   the workflow's input, as JSON text or a JSON file
  -m, --mode M          sync (default), async (runs in the background; prints the id and returns) or isolated
  -t, --timeout S       seconds the execution may run
  -e, --env NAME        lay the file's development, staging or production section over it (default $WFX_ENV)
  --idempotency-key K   run again with the same key (and request): follow the execution the first run started
  --override JSON|@F    deep-merged onto the file's agents, tools and workflows for this run
  -b, --budget LIMITS   max_tokens=N,max_model_calls=N,max_tool_calls=N (or JSON): may lower the workflow's budget, never raise it
  --priority N          0-9, 9 first where runs wait for a slot (as the gateways' priority); kept in its record
                        (default: the workflow's \`priority:\`, else 5)
  -d, --describe TEXT   generate the workflow from a description first (with -c/--complexity, -o/--out FILE)
${JSON_OUT}

example:
  wfx run examples/linear/linear.yaml --input '"some   text to   count"'`,
  generate: `Turns a description into a validated workflow file; prints it, or saves it with --out.

options:
  -c, --complexity C    simple (1-2 agents), medium (3-4) or complex (5-8); default: from the description
  -n, --name NAME       the workflow's name
  -o, --out FILE        save it there (--force replaces an existing file)
  --template            use the template planner even when a model is configured
  --tags T1,T2          the tags of the node it will run on (default: WFX_NODE_TAGS); placement the description asks
                        for on tags it lacks is kept out, with a warning
${JSON_OUT}

example:
  wfx generate "Summarise the reports in a folder" --out summarise.yaml`,
  status: `Shows an execution's status, progress, steps and result, from any terminal.

options:
  -f, --follow          live progress from the first event until it ends (Ctrl-C stops following, not the run)
  --nats URL            a cluster's NATS (repeatable; or WFX_NATS_URL): any execution in its store, on any node
  --cluster-key-file FILE   with --nats: the cluster key (or WFX_CLUSTER_KEY); --insecure-cluster for a cluster without one
${JSON_OUT}

example:
  wfx status 3f2c9a1e-… --follow`,
  cancel: `Cancels a running execution: its running steps are stopped through their abort signal, in every mode.

options:
  --nats URL            a cluster's NATS (repeatable; or WFX_NATS_URL): cancelled on the node that runs it
  --cluster-key-file FILE   with --nats: the cluster key (or WFX_CLUSTER_KEY); --insecure-cluster for a cluster without one
${JSON_OUT}

example:
  wfx cancel 3f2c9a1e-…`,
  list: `Lists the workflows in the workflow files of a folder (default: the current one).

options:
  -p, --pattern GLOB    only files matching it
${JSON_OUT}

example:
  wfx list examples --pattern "*.yaml"`,
  validate: `Checks a workflow file against this machine's environment: every problem with its line, YAML path and a hint.
Agent steps without a model endpoint here are warnings (wfx run refuses them until one is set).

options:
${JSON_OUT}

example:
  wfx validate examples/files/files.yaml`,
  serve: `Serves MCP (/mcp), HTTP and gRPC until SIGTERM or SIGINT, then drains.

${SERVE_OPTIONS}

example:
  wfx serve --workflows ./workflows --port 4020`,
  node: `A node: wfx serve that, given NATS (--nats, WFX_NATS_URL or a profile's nats:), joins the cluster: it announces
itself, sees the other nodes, answers NATS service discovery and runs the steps placed on it.

${SERVE_OPTIONS}

example:
  wfx node --nats nats://127.0.0.1:4222 --workflows ./workflows --tags gpu
  wfx node --profile nodes/gpu-worker.yaml`,
  nodes: `The cluster's nodes (id, status, tags, load, gateways), from the beats they publish on NATS.

options:
  --nats URL        the cluster's NATS, repeatable (or WFX_NATS_URL)
  --cluster-key-file FILE   the cluster key (or WFX_CLUSTER_KEY); --insecure-cluster for a cluster without one
  --watch           every change as it happens, until Ctrl-C
${JSON_OUT}

example:
  wfx nodes --nats nats://127.0.0.1:4222`,
  drain: `Asks one node to take nothing new (status draining, /ready 503) and finish what it runs.

options:
  --nats URL        the cluster's NATS, repeatable (or WFX_NATS_URL)
  --cluster-key-file FILE   the cluster key (or WFX_CLUSTER_KEY): a node obeys only a drain signed with it;
                    --insecure-cluster for a cluster without one
${JSON_OUT}

example:
  wfx drain gpu-1 --nats nats://127.0.0.1:4222`,
  undrain: `Asks a drained node to take work again (status up, /ready 200); a node shutting down cannot (exit code 1).

options:
  --nats URL        the cluster's NATS, repeatable (or WFX_NATS_URL)
  --cluster-key-file FILE   the cluster key (or WFX_CLUSTER_KEY): a node obeys only an undrain signed with it;
                    --insecure-cluster for a cluster without one
${JSON_OUT}

example:
  wfx undrain gpu-1 --nats nats://127.0.0.1:4222`,
  "cluster-key": `Prints a new random cluster key (32 bytes, base64url). Give every node and wfx command of one cluster the same
key, as WFX_CLUSTER_KEY or in a file (--cluster-key-file); to rotate, WFX_CLUSTER_KEYS=new,old on every node first.

options:
  -h, --help        this text

example:
  wfx cluster-key > cluster.key && wfx node --cluster-key-file cluster.key --nats nats://127.0.0.1:4222`,
  mcp: `MCP over stdin/stdout for desktop clients (logs go to stderr): --stdio is required; the HTTP and gRPC options
of wfx serve are accepted and unused.

${SERVE_OPTIONS}

example:
  wfx mcp --stdio --workflows ./workflows`,
};

/** Accepted by every command. */
const COMMON_OPTIONS = `every command:
  --data-dir DIR    where execution records live (default: $WFX_DATA_DIR or ~/.wfx/data)
  -h, --help        this text`;

/** `wfx COMMAND --help`. */
export function commandHelp(command: string): string {
  return `usage: ${COMMAND_USAGE[command]}\n\n${COMMAND_HELP[command]}\n\n${COMMON_OPTIONS}\n\n${EXIT_CODES}`;
}
