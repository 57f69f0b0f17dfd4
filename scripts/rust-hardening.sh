#!/usr/bin/env bash
# Hardening of the Rust core, run by .ci/run:
#   1. valgrind memcheck over the core's test binaries: no invalid access, no leak (stable).
#   2. With a nightly toolchain: the tests under AddressSanitizer and under Miri, and bounded
#      libFuzzer runs (cargo fuzz) of crates/memory/fuzz: the allocators' operations and the
#      memory planner.
#   3. Without one: the same fuzz interpreters fed by a seeded generator (stable).
# FUZZ_SECONDS (default 60) bounds each fuzz run; MIRI_PROPTEST_CASES (default 8), the cases of
# each property test under Miri.
set -euo pipefail
cd "$(dirname "$0")/.."
FUZZ_SECONDS="${FUZZ_SECONDS:-60}"
export CARGO_TERM_COLOR=never

echo "== valgrind: the core's tests"
binaries=$(cargo test -p lightwatch-memory --tests --no-run 2>&1 | sed -n 's/.*Executable .*(\(target\/[^)]*\)).*/\1/p')
for binary in $binaries; do
  # Property tests are slow under valgrind: fewer cases, same properties.
  PROPTEST_CASES=32 valgrind -q --error-exitcode=99 --leak-check=full \
    --errors-for-leak-kinds=definite,indirect --show-leak-kinds=definite,indirect \
    "$binary" --test-threads=2 2>&1 | grep -E '^test result|==[0-9]+==' || true
  test "${PIPESTATUS[0]}" -eq 0 || { echo "valgrind found errors in $binary"; exit 1; }
done

if rustup toolchain list 2>/dev/null | grep -q '^nightly'; then
  host=$(rustc -vV | sed -n 's/^host: //p')
  echo "== AddressSanitizer (nightly): the core's tests"
  # Huge requests in the tests must come back as null (our OutOfMemory path), not abort.
  ASAN_OPTIONS=allocator_may_return_null=1 RUSTFLAGS="-Zsanitizer=address" CARGO_TARGET_DIR=target/asan \
    cargo +nightly test -p lightwatch-memory --tests --target "$host" 2>&1 | grep -E '^test result|ERROR|SUMMARY'
  test "${PIPESTATUS[0]}" -eq 0

  if cargo +nightly miri --version >/dev/null 2>&1; then
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
  else
    echo "== Miri: not installed on this nightly toolchain (rustup component add miri); skipped"
  fi

  command -v cargo-fuzz >/dev/null || cargo install cargo-fuzz --locked --quiet
  # The allocators' operations, then the planner: each for FUZZ_SECONDS.
  for target in operations plan; do
    echo "== cargo fuzz $target (nightly, libFuzzer + ASan): ${FUZZ_SECONDS} s"
    (cd crates/memory/fuzz && cargo +nightly fuzz run "$target" --fuzz-dir . -- \
      -max_total_time="$FUZZ_SECONDS" -print_final_stats=1 2>&1 | grep -E '^Done|stat::number_of_executed_units|ERROR|panicked')
    test "${PIPESTATUS[0]}" -eq 0
  done
else
  echo "== no nightly toolchain: cargo fuzz and sanitizers need one; running the stable long run"
  (cd crates/memory/fuzz && CARGO_TARGET_DIR=../../../target/fuzz-stable \
    cargo run --quiet --release --no-default-features --bin long-run -- "$FUZZ_SECONDS")
fi
