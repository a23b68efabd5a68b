#!/usr/bin/env bash
# Runs schemathesis against a live gridwork server's /openapi.json and fails on any finding.
#
#   scripts/schemathesis.sh BINARY [MAX_EXAMPLES]      (default 25 examples per operation)
#   scripts/schemathesis.sh --install                  (only install it, e.g. while CI builds)
#
# Installs schemathesis into .build-ci/st-venv on first use (PyPI), starts BINARY on a free
# port with the seeded store, runs every check, stops the server. Loopback only; bounded by
# the example count and a 10-minute timeout.
set -euo pipefail
cd "$(dirname "$0")/.."
binary="${1:?usage: $0 BINARY [MAX_EXAMPLES] | --install}"
examples="${2:-25}"
venv=.build-ci/st-venv
if [ ! -x "$venv/bin/schemathesis" ]; then
    python3 -m venv "$venv"
    "$venv/bin/pip" install -q "schemathesis==4.32.5"
fi
[ "$binary" = "--install" ] && exit 0
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
"$binary" serve --port "$port" --log-level warning &
server=$!
trap 'kill "$server" 2>/dev/null; wait "$server" 2>/dev/null || true' EXIT
for _ in $(seq 1 100); do
    curl -sf "http://127.0.0.1:$port/readyz" >/dev/null && break
    sleep 0.1
done
timeout 600 "$venv/bin/schemathesis" --config-file scripts/schemathesis.toml run "http://127.0.0.1:$port/openapi.json" \
    --max-examples "$examples" --seed 20140806 --request-timeout 5 \
    --generation-deterministic --no-color
