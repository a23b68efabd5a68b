#!/usr/bin/env bash
# Creates per second with 16 concurrent writers, in memory and with --data-dir (group commit),
# and the fdatasyncs the journal made for them.
#
#   scripts/durability-bench.sh BINARY [SECONDS]
#
# The server is pinned to core 1 and wrk to core 0. The journal's counters come from its
# `journal.closed` line and from the number of lines it wrote; fsyncs are read from /proc (the
# server's syscalls are not traced, so the count is the journal's own: one per batch).
set -euo pipefail
cd "$(dirname "$0")/.."
binary="${1:?usage: $0 BINARY [SECONDS]}"
seconds="${2:-10}"
work=$(mktemp -d)
trap 'kill $(jobs -p) 2>/dev/null || true; rm -rf "$work"' EXIT

run() {
    local label="$1"; shift
    local port
    port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
    taskset -c 1 "$binary" serve --port "$port" --log-level notice "$@" 2>"$work/$label.log" &
    local server=$!
    for _ in $(seq 1 200); do curl -sf "http://127.0.0.1:$port/readyz" >/dev/null && break; sleep 0.05; done
    local before
    before=$(curl -s "http://127.0.0.1:$port/stats" | python3 -c 'import json,sys; print(json.load(sys.stdin)["revision"])')
    taskset -c 0 wrk -t1 -c16 -d"${seconds}s" --latency -s scripts/post.lua "http://127.0.0.1:$port/assistance-records" \
        >"$work/$label.wrk"
    local after
    after=$(curl -s "http://127.0.0.1:$port/stats" | python3 -c 'import json,sys; print(json.load(sys.stdin)["revision"])')
    kill -TERM "$server"; wait "$server" || true
    local rps p99
    rps=$(awk '/Requests\/sec/ {print $2}' "$work/$label.wrk")
    p99=$(awk '$1 == "99%" {print $2}' "$work/$label.wrk")
    printf '%-12s %10s creates/s   p99 %-8s  writes %d\n' "$label" "$rps" "$p99" "$((after - before))"
}

run memory
run journal --data-dir "$work/data"
lines=$(wc -l <"$work/data/journal.log")
syncs=$(grep -o 'syncs=[0-9]*' "$work/journal.log" | tail -1 | cut -d= -f2 || true)
echo "journal: $lines lines, $(stat -c %s "$work/data/journal.log") bytes; fdatasyncs: ${syncs:-see journal.closed}"
