#!/usr/bin/env bash
# Property-based API check: builds and starts `tessera serve` on a throwaway SQLite database
# (loopback, free port, rate limits off), runs schemathesis against its /openapi.json for the
# public JSON endpoints (not the admin API, not the browser pages), and fails on any 5xx.
# Bounded to a few minutes. Usage: bash scripts/schemathesis.sh   (or: make schemathesis)
set -euo pipefail
cd "$(dirname "$0")/.."

SCHEMATHESIS_VERSION="${SCHEMATHESIS_VERSION:-4.32.5}"   # works with Python 3.11
MAX_EXAMPLES="${SCHEMATHESIS_MAX_EXAMPLES:-100}"
TARGET="${CARGO_TARGET_DIR:-target}"

if ! command -v schemathesis >/dev/null 2>&1 \
  || [ "$(schemathesis --version 2>/dev/null | awk '{print $NF}')" != "$SCHEMATHESIS_VERSION" ]; then
  echo "installing schemathesis $SCHEMATHESIS_VERSION"
  PIP_ROOT_USER_ACTION=ignore python3 -m pip install --quiet --disable-pip-version-check \
    "schemathesis==$SCHEMATHESIS_VERSION"
fi

cargo build -q -p tessera-server --bin tessera
bin="$TARGET/debug/tessera"

work=$(mktemp -d)
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
base="http://127.0.0.1:$port"
server_pid=""
cleanup() {
  if [ -n "$server_pid" ]; then
    kill "$server_pid" 2>/dev/null || true
    wait "$server_pid" 2>/dev/null || true
  fi
  rm -rf "$work"
}
trap cleanup EXIT INT TERM

export TESSERA_ISSUER="$base" TESSERA_BIND="127.0.0.1:$port" \
  TESSERA_DATABASE_URL="sqlite://$work/tessera.db" \
  TESSERA_ENVIRONMENT=development TESSERA_RATE_LIMIT__ENABLED=false \
  TESSERA_MAIL__OUTBOX_DIR="$work/outbox" TESSERA_LOG_FORMAT=text
"$bin" migrate >/dev/null
# A confidential client, so the token, introspection and revocation requests get past client
# authentication and reach the grants.
creds=$("$bin" client create --name schemathesis --grant client_credentials --scope "api")
client_id=$(python3 -c 'import json,sys; print(json.load(sys.stdin)["client_id"])' <<<"$creds")
client_secret=$(python3 -c 'import json,sys; print(json.load(sys.stdin)["client_secret"])' <<<"$creds")
"$bin" serve >"$work/server.log" 2>&1 &
server_pid=$!

for _ in $(seq 1 60); do
  curl -fsS "$base/readyz" >/dev/null 2>&1 && break
  if ! kill -0 "$server_pid" 2>/dev/null; then
    echo "tessera did not start:"; cat "$work/server.log"; exit 1
  fi
  sleep 1
done
curl -fsS "$base/readyz" >/dev/null

status=0
(
  cd "$work"
  # Public JSON endpoints only: the admin API needs a token and the browser endpoints answer
  # HTML pages (covered by the e2e tests). not_a_server_error: any 5xx fails the run.
  timeout 600 schemathesis run "$base/openapi.json" \
    --url "$base" \
    --checks not_a_server_error \
    --max-examples "$MAX_EXAMPLES" \
    --phases examples,coverage,fuzzing \
    --workers 2 \
    --auth "$client_id:$client_secret" \
    --exclude-tag admin \
    --exclude-path /authorize \
    --exclude-path /logout \
    --exclude-path /docs \
    --exclude-operation-id verify_email_get \
    --exclude-operation-id password_reset_confirm_get \
    --generation-deterministic \
    --no-color
) || status=$?

if [ "$status" -ne 0 ]; then
  echo "--- server errors logged by tessera ---"
  grep -iE "error|panic" "$work/server.log" | tail -40 || true
fi
exit "$status"
