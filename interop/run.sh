#!/bin/sh
# Start a throwaway provider (SQLite under a temp dir), register a user and three clients with
# our CLI, run check.mjs against it with openid-client, and stop the provider (also on failure).
# Called by `make interop` from the repository root; needs .venv and interop/node_modules.
set -eu

BIN=${BIN:-.venv/bin}
PORT=${INTEROP_PORT:-5088}
ISSUER="http://127.0.0.1:$PORT"
REDIRECT_URI=http://127.0.0.1:5089/cb

TMP=$(mktemp -d "${TMPDIR:-/tmp}/idp-interop.XXXXXX")
SERVER_PID=
cleanup() {
    status=$?
    if [ -n "$SERVER_PID" ] && kill -0 "$SERVER_PID" 2>/dev/null; then
        kill "$SERVER_PID" 2>/dev/null || true
        wait "$SERVER_PID" 2>/dev/null || true
    fi
    if [ "$status" -ne 0 ] && [ -s "$TMP/server.log" ]; then
        echo "--- provider log (last 40 lines) ---" >&2
        tail -n 40 "$TMP/server.log" >&2
    fi
    rm -rf "$TMP"
    exit "$status"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# Only this throwaway database: never the PostgreSQL database of the test suite, nor Redis.
unset IDP_REDIS_URL IDP_TEST_DATABASE_URL IDP_TEST_REDIS_URL
export IDP_ENV=development
export IDP_ISSUER="$ISSUER"
export IDP_DATABASE_URL="sqlite:///$TMP/idp.sqlite"

if curl -s -o /dev/null "$ISSUER/" 2>/dev/null; then
    echo "interop: something already listens on $ISSUER; stop it or set INTEROP_PORT" >&2
    exit 1
fi

"$BIN/idp" init 2>/dev/null

EMAIL=interop-user@example.com
PASSWORD="Interop-$(od -An -N12 -tx1 /dev/urandom | tr -d ' \n')"
"$BIN/idp" users create --email "$EMAIL" --phone +967771230001 --password "$PASSWORD" \
    --name "Interop User" --verified >/dev/null
CONFIDENTIAL=$("$BIN/idp" clients create --name "Interop confidential RP" \
    --redirect-uri "$REDIRECT_URI" --json)
PUBLIC=$("$BIN/idp" clients create --name "Interop public RP" --public \
    --redirect-uri "$REDIRECT_URI" --json)
SERVICE=$("$BIN/idp" clients create --name "Interop resource server" \
    --grant-type client_credentials --scope "bookings:read introspection" --json)

# Serve with `idp run`, as `make run` does.
serve_with_idp_run() {
    "$BIN/idp" run --port "$PORT" >"$TMP/server.log" 2>&1 &
    SERVER_PID=$!
}
wait_for_provider() {
    tries=0
    until curl -sf -o /dev/null "$ISSUER/.well-known/openid-configuration"; do
        tries=$((tries + 1))
        if [ "$tries" -ge 150 ] || ! kill -0 "$SERVER_PID" 2>/dev/null; then
            return 1
        fi
        sleep 0.1
    done
}

serve_with_idp_run
wait_for_provider || { echo "interop: the provider did not start on $ISSUER" >&2; exit 1; }

INTEROP_ISSUER="$ISSUER" INTEROP_REDIRECT_URI="$REDIRECT_URI" \
INTEROP_USER="{\"email\": \"$EMAIL\", \"password\": \"$PASSWORD\"}" \
INTEROP_CONFIDENTIAL="$CONFIDENTIAL" INTEROP_PUBLIC="$PUBLIC" INTEROP_SERVICE="$SERVICE" \
    node interop/check.mjs
