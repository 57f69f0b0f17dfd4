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

source ../require-built-root.sh

npm ci --ignore-scripts --no-audit --no-fund
npm test
