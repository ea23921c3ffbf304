#!/usr/bin/env bash
# The API against its own OpenAPI document: starts `concord demo` on a loopback port with a
# throw-away database, checks the served document with openapi-spec-validator, then runs
# Schemathesis (its default checks) once per demo role, with that role's bearer token. Any
# failure fails the script; the demo is stopped on exit, whatever happens.
#
# Both tools come from PyPI into a virtualenv under target/venv (never committed), pinned so that
# a run is repeatable. Bounded: SCHEMATHESIS_MAX_EXAMPLES (default 8) test cases per operation and
# phase, a fixed seed, so that all roles finish in a few minutes on a 2-core machine.
#
# Usage: .ci/schemathesis.sh            (from anywhere; builds target/debug/concord first)
set -euo pipefail
cd "$(dirname "$0")/.."

SCHEMATHESIS_VERSION=4.32.5
VALIDATOR_VERSION=0.9.0
MAX_EXAMPLES="${SCHEMATHESIS_MAX_EXAMPLES:-8}"
SEED="${SCHEMATHESIS_SEED:-20260227}"

venv=target/venv
if [ ! -x "$venv/bin/schemathesis" ] || ! "$venv/bin/schemathesis" --version | grep -q "$SCHEMATHESIS_VERSION"; then
  echo "== virtualenv: schemathesis $SCHEMATHESIS_VERSION, openapi-spec-validator $VALIDATOR_VERSION"
  python3 -m venv "$venv"
  "$venv/bin/pip" install -q --disable-pip-version-check \
    "schemathesis==$SCHEMATHESIS_VERSION" "openapi-spec-validator==$VALIDATOR_VERSION"
fi

echo "== cargo build -p concord"
cargo build -q -p concord --locked

work="$(mktemp -d)"
demo_pid=""
cleanup() {
  if [ -n "$demo_pid" ] && kill -0 "$demo_pid" 2>/dev/null; then
    kill "$demo_pid" 2>/dev/null || true
    wait "$demo_pid" 2>/dev/null || true
  fi
  rm -rf "$work"
}
trap cleanup EXIT INT TERM

echo "== concord demo"
# The demo's log is kept in target/schemathesis/ (a CI artifact) for failures to be read against.
mkdir -p target/schemathesis
target/debug/concord demo --addr 127.0.0.1:0 --db "$work/demo.db" >"$work/demo.out" 2>target/schemathesis/demo.log &
demo_pid=$!
base=""
for _ in $(seq 1 120); do
  base="$(sed -n 's|^  OpenAPI *\(http://[^/]*\)/api/openapi.json$|\1|p' "$work/demo.out")"
  [ -n "$base" ] && [ -s "$work/demo-tokens.env" ] && break
  kill -0 "$demo_pid" 2>/dev/null || { tail -20 target/schemathesis/demo.log >&2; echo "schemathesis: the demo stopped" >&2; exit 1; }
  sleep 1
done
if [ -z "$base" ]; then
  tail -20 target/schemathesis/demo.log >&2
  echo "schemathesis: the demo did not print its address in 120 s" >&2
  exit 1
fi
echo "demo at $base"

echo "== openapi-spec-validator"
"$venv/bin/python" - "$base/api/openapi.json" "$work/openapi.json" <<'EOF'
import sys, urllib.request
with urllib.request.urlopen(sys.argv[1]) as r, open(sys.argv[2], "wb") as f:
    f.write(r.read())
EOF
"$venv/bin/openapi-spec-validator" "$work/openapi.json"

failed=()
while IFS='=' read -r role token; do
  [ -n "$role" ] || continue
  echo "== schemathesis as $role"
  mkdir -p "target/schemathesis/$role"
  if ! "$venv/bin/schemathesis" --config-file .ci/schemathesis.toml run "$base/api/openapi.json" \
    --header "Authorization: Bearer $token" \
    --max-examples "$MAX_EXAMPLES" \
    --seed "$SEED" \
    --generation-database none \
    --no-color \
    --report junit --report-dir "target/schemathesis/$role"; then
    failed+=("$role")
  fi
done <"$work/demo-tokens.env"

if [ "${#failed[@]}" -gt 0 ]; then
  echo "schemathesis: failures as ${failed[*]} (reports in target/schemathesis/)" >&2
  exit 1
fi
echo "schemathesis: no failures for any role"
