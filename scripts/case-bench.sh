#!/usr/bin/env bash
# Case actions under load: 16 writers each walking cases through the whole workflow
# (scripts/case-actions.lua: create, accept, dispatch, start, submit, check, close — 7 writes a
# case, the close also creating its assistance record), in memory and then with --data-dir (every
# step fdatasync'd before its answer). Then GET /stats, to show what the case figures cost it.
#
#   scripts/case-bench.sh BINARY [SECONDS]      # BINARY: a release `gridwork`; SECONDS 1-300, default 8
#
# The server runs on core 1 (`taskset -c 1`), wrk on core 0; the access log is on (stderr to a
# file). Prints a Markdown table: writes/s (actions and creates), cases closed/s, p50/p99.
set -euo pipefail

die() { echo "case-bench: $*" >&2; exit 1; }
# shellcheck source=scripts/wait-for-server.sh
source "$(dirname "${BASH_SOURCE[0]}")/wait-for-server.sh"
bench_arguments "$@"
lua="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)/case-actions.lua"

work=$(mktemp -d "${TMPDIR:-/tmp}/case-bench.XXXXXX")
server=""
stop_server() {
    if [[ -n "$server" ]]; then kill -TERM "$server" 2>/dev/null; wait "$server" 2>/dev/null || true; fi
    server=""
}
cleanup() { set +e; stop_server; rm -rf "$work"; }
trap cleanup EXIT
trap 'exit 130' INT TERM

summary() { # OUT: req/s p50 p99 (ms) non-2xx
    awk 'function ms(v) { if (v ~ /us$/) return v / 1000; if (v ~ /ms$/) return v + 0
                          if (v ~ /s$/) return v * 1000; return v }
        $1 == "Requests/sec:" { rps = $2 }
        $1 == "50%" { p50 = ms($2) }
        $1 == "99%" { p99 = ms($2) }
        /Non-2xx or 3xx responses:/ { bad = $NF }
        END { printf "%s %.2f %.2f %d", rps, p50, p99, bad }' "$1"
}

echo "| store | workload | req/s | cases closed/s | p50 ms | p99 ms | non-2xx |"
echo "| --- | --- | ---: | ---: | ---: | ---: | ---: |"
for mode in memory data-dir; do
    args=(serve --host 127.0.0.1 --port 0 --today 2014-08-06)
    [[ "$mode" == data-dir ]] && args+=(--data-dir "$work/data")
    taskset -c 1 "$binary" "${args[@]}" >/dev/null 2>"$work/server.log" &
    server=$!
    wait_for_server
    taskset -c 0 wrk --latency -t16 -c16 -d"${seconds}s" -s "$lua" "$base" -- grid-0001 cadre-0001 \
        >"$work/actions-$mode.txt" 2>&1
    read -r rps p50 p99 bad <<<"$(summary "$work/actions-$mode.txt")"
    closed=$(awk -v r="$rps" 'BEGIN { printf "%.0f", r / 7 }')
    echo "| $mode | 16 writers walking cases | $rps | $closed | $p50 | $p99 | $bad |"
    taskset -c 0 wrk --latency -t1 -c64 -d"${seconds}s" "$base/stats" >"$work/stats-$mode.txt" 2>&1
    read -r rps p50 p99 bad <<<"$(summary "$work/stats-$mode.txt")"
    cases=$(curl -sf "$base/cases?limit=1" | grep -o '"total":[0-9]*' | cut -d: -f2)
    echo "| $mode | GET /stats, 64 connections ($cases cases) | $rps | | $p50 | $p99 | $bad |"
    stop_server
done
