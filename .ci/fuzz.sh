#!/usr/bin/env bash
# Fuzzes every parser that reads untrusted bytes (issue 12, "Keep it fixed"): signed notes,
# checkpoints, cosignatures, witness requests, tile paths, canonical JSON, position statements and
# the pledge CSV import, one cargo-fuzz target each (fuzz/fuzz_targets/). Each target asserts a
# property (a parsed input re-encodes to the same bytes, canonical JSON is idempotent, …), so a
# failure is a panic or a broken property. It needs the nightly toolchain (libFuzzer's
# instrumentation); cargo-fuzz is installed if missing.
#
# All targets are built once; then each runs for FUZZ_SECONDS (default 20) on a copy of its
# committed corpus (fuzz/corpus/<target>/), so CI never grows the repository's corpus. A crash
# fails the script and leaves its input in fuzz/artifacts/<target>/ (ignored by git); see
# fuzz/README.md for how to reproduce it and to keep it as a seed.
set -euo pipefail
cd "$(dirname "$0")/.."

export CARGO_TERM_COLOR=never
export RUST_BACKTRACE=1
seconds="${FUZZ_SECONDS:-20}"
rss_mb="${FUZZ_RSS_MB:-2048}"

echo "== cargo-fuzz"
if ! cargo +nightly fuzz --version >/dev/null 2>&1; then
  cargo install cargo-fuzz --locked
fi
cargo +nightly fuzz --version

# cargo-fuzz does not pass --locked on; this fails, as CI's builds do, if fuzz/Cargo.lock is stale.
cargo +nightly metadata --manifest-path fuzz/Cargo.toml --locked --format-version 1 >/dev/null

# `run` must get the same build flags as `build`, or it would build again.
flags=(--sanitizer address)

echo "== cargo fuzz build"
cargo +nightly fuzz build "${flags[@]}"

work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
failed=()
for target in $(cargo +nightly fuzz list); do
  echo "== fuzz $target (${seconds} s)"
  mkdir -p "$work/$target"
  cp -R "fuzz/corpus/$target/." "$work/$target/"
  # -timeout: an input taking over 10 s is a hang, and a finding. A failure shows the end of the
  # log (the panic and the input's path); a pass, the run's statistics.
  if cargo +nightly fuzz run "${flags[@]}" "$target" "$work/$target" -- \
      -max_total_time="$seconds" -rss_limit_mb="$rss_mb" -timeout=10 -print_final_stats=1 \
      >"$work/$target.log" 2>&1; then
    grep -E '^stat::(number_of_executed_units|peak_rss_mb)|^Done ' "$work/$target.log" || true
  else
    tail -n 80 "$work/$target.log" >&2
    failed+=("$target")
  fi
done

if [ "${#failed[@]}" -gt 0 ]; then
  echo "fuzz: ${failed[*]} failed; the inputs are in fuzz/artifacts/" >&2
  ls -l fuzz/artifacts/*/ >&2 || true
  exit 1
fi
echo "fuzz: every target ran ${seconds} s without a failure"
