#!/usr/bin/env bash
# Hardening of the Rust core, run by .ci/run:
#   1. valgrind memcheck over the core's test binaries: no invalid access, no leak (stable).
#   2. The tests under AddressSanitizer and under Miri, and bounded libFuzzer runs (cargo fuzz)
#      of crates/memory/fuzz: the allocators' operations and the memory planner (nightly).
# It installs what it uses (a nightly toolchain with the miri and rust-src components,
# cargo-fuzz) and fails, never skips, when a check cannot run: a step that says "skipped" on a
# fresh machine is a step that never ran. Miri covers the core's unsafe code (aligned blocks,
# the arena, the pool); the binding's unsafe code is N-API calls, which Miri cannot execute:
# the package's ava suite under LeakSanitizer (scripts/leak-check.mjs) and its hostile tests
# cover those.
# FUZZ_SECONDS (default 60) bounds each fuzz run; MIRI_PROPTEST_CASES (default 8), the cases of
# each property test under Miri.
set -euo pipefail
cd "$(dirname "$0")/.."
FUZZ_SECONDS="${FUZZ_SECONDS:-60}"
export CARGO_TERM_COLOR=never

echo "== toolchain: nightly with miri and rust-src, cargo-fuzz"
if ! rustup toolchain list | grep -q '^nightly'; then
  rustup toolchain install nightly --profile minimal
fi
for component in miri rust-src; do
  rustup component list --toolchain nightly --installed | grep -q "^$component" ||
    rustup component add "$component" --toolchain nightly
done
cargo +nightly miri --version
command -v cargo-fuzz >/dev/null || cargo install cargo-fuzz --locked --quiet
cargo fuzz --version

echo "== valgrind: the core's tests"
binaries=$(cargo test -p lightwatch-memory --tests --no-run 2>&1 | sed -n 's/.*Executable .*(\(target\/[^)]*\)).*/\1/p')
for binary in $binaries; do
  # Property tests are slow under valgrind: fewer cases, same properties.
  PROPTEST_CASES=32 valgrind -q --error-exitcode=99 --leak-check=full \
    --errors-for-leak-kinds=definite,indirect --show-leak-kinds=definite,indirect \
    "$binary" --test-threads=2 2>&1 | grep -E '^test result|==[0-9]+==' || true
  test "${PIPESTATUS[0]}" -eq 0 || { echo "valgrind found errors in $binary"; exit 1; }
done

host=$(rustc -vV | sed -n 's/^host: //p')
echo "== AddressSanitizer (nightly): the core's tests"
# Huge requests in the tests must come back as null (our OutOfMemory path), not abort.
ASAN_OPTIONS=allocator_may_return_null=1 RUSTFLAGS="-Zsanitizer=address" CARGO_TARGET_DIR=target/asan \
  cargo +nightly test -p lightwatch-memory --tests --target "$host" 2>&1 | grep -E '^test result|ERROR|SUMMARY'
test "${PIPESTATUS[0]}" -eq 0

# tests/all: the spec, behaviour and property tests. Miri runs a property case some thousand
# times slower than native: a few cases per property (PROPTEST_CASES, forwarded into the
# interpreted program) keep the step to a few minutes; the behaviour tests cover every path.
# The planner's tests are skipped: src/plan has no unsafe code, so Miri finds nothing there
# that the debug run's overflow checks do not, and they took 26 minutes under it (one also
# reads its fixture from disk, which Miri's isolation refuses).
echo "== Miri (nightly): the spec, behaviour and property tests"
PROPTEST_CASES="${MIRI_PROPTEST_CASES:-8}" MIRIFLAGS="${MIRIFLAGS:-} -Zmiri-env-forward=PROPTEST_CASES" \
  CARGO_TARGET_DIR=target/miri cargo +nightly miri test -p lightwatch-memory --test all -- --skip plan:: 2>&1 |
  grep -E '^test result|Undefined Behavior|^error'
test "${PIPESTATUS[0]}" -eq 0

# The allocators' operations, then the planner: each for FUZZ_SECONDS.
for target in operations plan; do
  echo "== cargo fuzz $target (nightly, libFuzzer + ASan): ${FUZZ_SECONDS} s"
  (cd crates/memory/fuzz && cargo +nightly fuzz run "$target" --fuzz-dir . -- \
    -max_total_time="$FUZZ_SECONDS" -print_final_stats=1 2>&1 | grep -E '^Done|stat::number_of_executed_units|ERROR|panicked')
  test "${PIPESTATUS[0]}" -eq 0
done
