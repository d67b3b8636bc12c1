#!/usr/bin/env bash
# `make fuzz`: builds the fuzz targets once, runs each for FUZZ_SECS seconds (default 30), and
# prints per target the runs executed and the crashes found. A crash's input is kept under
# tests/fuzz/artifacts/TARGET/ (reproduce: cargo +nightly fuzz run --fuzz-dir tests/fuzz
# TARGET FILE); the script fails when any target crashed. The grown corpora stay in
# tests/fuzz/corpus/ and make later runs start further on.
#
# No sanitizer (-s none): the code under test is safe Rust (plus the system OpenSSL, which is
# not instrumented either way), so ASan would only slow the runs; panics, arithmetic overflow
# (debug assertions are on) and failed property assertions are what the targets catch.
set -euo pipefail
cd "$(dirname "$0")/../.."

secs="${FUZZ_SECS:-30}"
target_dir="${FUZZ_TARGET_DIR:-/var/tmp/tessera-fuzz-target}"
fuzz=(cargo +nightly fuzz)
opts=(--fuzz-dir tests/fuzz --sanitizer none --target-dir "$target_dir")

if ! cargo +nightly --version >/dev/null 2>&1; then
  rustup toolchain install nightly --profile minimal
fi
if ! cargo fuzz --version >/dev/null 2>&1; then
  cargo install cargo-fuzz --version 0.13.2 --locked
fi

"${fuzz[@]}" build "${opts[@]}"
targets=$("${fuzz[@]}" list --fuzz-dir tests/fuzz)
logs=$(mktemp -d)
status=0
summary=()
for t in $targets; do
  mkdir -p "tests/fuzz/corpus/$t" "tests/fuzz/artifacts/$t"
  before=$(find "tests/fuzz/artifacts/$t" -type f | wc -l)
  if "${fuzz[@]}" run "${opts[@]}" "$t" -- -max_total_time="$secs" -timeout=10 \
      -rss_limit_mb=2048 -print_final_stats=1 >"$logs/$t.log" 2>&1; then
    result=ok
  else
    result=CRASHED
    status=1
  fi
  runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$logs/$t.log" | tail -1)
  crashes=$(( $(find "tests/fuzz/artifacts/$t" -type f | wc -l) - before ))
  summary+=("$(printf '%-18s %-8s runs %-10s new crash inputs %s' "$t" "$result" "${runs:-?}" "$crashes")")
  if [ "$result" != ok ]; then
    grep -E 'panicked|ERROR|Test unit written|SUMMARY' "$logs/$t.log" | head -20 || true
  fi
done
echo
echo "fuzz: ${secs} s per target"
printf '%s\n' "${summary[@]}"
rm -rf "$logs"
exit $status
