#!/usr/bin/env bash
# The workers example as CI runs it (.ci/run), after the repository's own `npm ci`:
#   1. `npm ci` here, from package-lock.json: piscina from the registry, and @lightwatch/memory as
#      a link to this repository (file:../..), which the root's `npm ci` has built;
#      --ignore-scripts: nothing here needs an install script;
#   2. `npm test` here: the checks, on the native and the V8-owned memory backing.
#
#   bash examples/workers/run.sh
set -euo pipefail
cd "$(dirname "$0")"

for file in ../../dist/index.js ../../binding.js; do
  if [[ ! -e $file ]]; then
    echo "run.sh: ${file#../../} is missing: run npm ci and npm run build:all at the repository's root first" >&2
    exit 1
  fi
done
if ! compgen -G '../../lightwatch-memory.*.node' >/dev/null; then
  echo "run.sh: the addon is not built: run npm ci and npm run build:all at the repository's root first" >&2
  exit 1
fi

npm ci --ignore-scripts --no-audit --no-fund
npm test
