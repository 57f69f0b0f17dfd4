# Sourced by the examples' run.sh (from the example's own directory): stops unless the
# repository's root package is built, which the examples link to (file:../..).
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
