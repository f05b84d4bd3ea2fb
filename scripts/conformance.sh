#!/usr/bin/env bash
# Runs the official MCP conformance suite (@modelcontextprotocol/conformance, which needs Node >= 22) against a
# freshly started `wfx serve`. Node 22 and the suite are npm packages installed into .tools/ on first use, so a fresh
# machine needs only npm and registry access once; later runs work offline.
# Exit status is the suite's: 0 when every failure is in scripts/conformance-baseline.yml and nothing else fails.
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
TOOLS="$ROOT/.tools"
CONFORMANCE_VERSION="0.1.16"
NODE22_VERSION="22"
NODE22="$TOOLS/node_modules/node/bin/node"
SUITE="$TOOLS/node_modules/@modelcontextprotocol/conformance/dist/index.js"

if [ ! -x "$NODE22" ] || [ ! -f "$SUITE" ]; then
  mkdir -p "$TOOLS"
  npm install --no-audit --no-fund --loglevel=error --prefix "$TOOLS" \
    "@modelcontextprotocol/conformance@$CONFORMANCE_VERSION" "node@$NODE22_VERSION" >&2
fi
"$NODE22" --version | grep -q '^v22\.' || { echo "conformance: $NODE22 is not Node 22" >&2; exit 2; }

WORK="$(mktemp -d)"
SERVER_PID=""
cleanup() {
  if [ -n "$SERVER_PID" ]; then kill "$SERVER_PID" 2>/dev/null || true; wait "$SERVER_PID" 2>/dev/null || true; fi
  rm -rf "$WORK"
}
trap cleanup EXIT

node "$ROOT/dist/src/cli/main.js" serve --no-grpc --port 0 --data-dir "$WORK/data" \
  --workflows "$ROOT/test/fixtures/gateway/workflows" --grace 0 2>"$WORK/serve.log" &
SERVER_PID=$!
URL=""
for _ in $(seq 1 100); do
  URL="$(sed -n 's/^  MCP: *\(http[^ ]*\)$/\1/p' "$WORK/serve.log" | head -n 1)"
  [ -n "$URL" ] && break
  kill -0 "$SERVER_PID" 2>/dev/null || { cat "$WORK/serve.log" >&2; exit 2; }
  sleep 0.1
done
[ -n "$URL" ] || { echo "conformance: wfx serve did not start" >&2; cat "$WORK/serve.log" >&2; exit 2; }

cd "$WORK"
"$NODE22" "$SUITE" server --url "$URL" --expected-failures "$ROOT/scripts/conformance-baseline.yml" -o "$WORK/results"
