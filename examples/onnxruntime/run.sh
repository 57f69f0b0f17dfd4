#!/usr/bin/env bash
# The onnxruntime example as CI runs it (.ci/run), after the repository's own `npm ci`:
#   1. the committed model is exactly what make_model.py writes (onnx and numpy from PyPI, pinned
#      in requirements.txt, in a throwaway venv: a few seconds);
#   2. `npm ci` here, from package-lock.json: onnxruntime-node from the registry, and
#      @lightwatch/memory as a link to this repository (file:../..), which the root's `npm ci`
#      has built. ONNXRUNTIME_NODE_INSTALL=skip: onnxruntime-node's install script would fetch
#      GPU extras from outside the registry (its CPU binaries are in the package itself), and
#      --ignore-scripts keeps the script from running at all;
#   3. `npm test` here: the checks, on the native and the V8-owned memory backing.
#
#   bash examples/onnxruntime/run.sh
set -euo pipefail
cd "$(dirname "$0")"

source ../require-built-root.sh

venv=$(mktemp -d)
trap 'rm -rf "$venv"' EXIT
python3 -m venv "$venv"
"$venv/bin/pip" install --quiet --disable-pip-version-check -r requirements.txt
"$venv/bin/python" make_model.py "$venv/mlp.onnx"
if ! cmp -s mlp.onnx "$venv/mlp.onnx"; then
  echo "run.sh: mlp.onnx is not what make_model.py writes: regenerate it and commit both" >&2
  exit 1
fi
echo "mlp.onnx: identical to what make_model.py writes"

ONNXRUNTIME_NODE_INSTALL=skip npm ci --ignore-scripts --no-audit --no-fund
npm test
