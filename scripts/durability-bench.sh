#!/usr/bin/env bash
# What durable writes cost readers: one server with --data-dir (every write fdatasync'd before its
# 201, concurrent writers sharing each fsync), loaded by wrk in three phases of SECONDS each.
#
#   scripts/durability-bench.sh BINARY [SECONDS]      # BINARY: a release `gridwork`; SECONDS: 1-300, default 8
#
#   A  writers alone: 16 connections POSTing valid visits to /assistance-records
#      (scripts/durability-bench.lua, real cadre and grid ids) -> creates/s, p50/p99 per write.
#   B  readers under write load: for GET /stats, then GET /assistance-records?limit=50, the 16
#      writers run in the background while 4 reader connections measure that URL -> reader
#      req/s, p50/p99, and the writers' creates/s during it.
#   C  readers alone, the same two URLs, no writers: the baseline for B. It runs last, so the
#      store is at least as large as in B and growth cannot flatter B.
#
# The server (default log level info, so one access line per request, stderr to a file) is pinned
# to core 1 (`taskset -c 1`: one event loop) and every wrk to core 0; traffic is 127.0.0.1 only.
# Writer rows note the journal's changes per fdatasync (from /metrics) for that phase. Needs wrk,
# curl, taskset. The temporary directory (data dir, logs, wrk outputs) is removed at exit.
set -euo pipefail

die() { echo "durability-bench: $*" >&2; exit 1; }
# shellcheck source=scripts/wait-for-server.sh
source "$(dirname "${BASH_SOURCE[0]}")/wait-for-server.sh"
bench_arguments "$@"
lua="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)/durability-bench.lua"
[[ -f "$lua" ]] || die "$lua is missing"

work=$(mktemp -d "${TMPDIR:-/tmp}/durability-bench.XXXXXX")
server="" writers=""
cleanup() {
    set +e
    [[ -n "$writers" ]] && kill "$writers" 2>/dev/null
    if [[ -n "$server" ]]; then kill -TERM "$server" 2>/dev/null; wait "$server" 2>/dev/null; fi
    rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# Start the server on a free port and wait (at most 60 s) for its port and a 200 from /readyz.
taskset -c 1 "$binary" serve --host 127.0.0.1 --port 0 --data-dir "$work/data" 2>"$work/server.log" &
server=$!
wait_for_server
curl -sf -o /dev/null "$base/readyz" || die "/readyz never answered 200"

# Real ids for the writers' bodies, and one POST to prove such a body is accepted.
ids() { curl -sf "$base/$1?limit=500" | grep -o '"id":"[^"]*"' | cut -d'"' -f4 | paste -sd, -; }
cadres=$(ids cadres) && grids=$(ids grids) && [[ -n "$cadres" && -n "$grids" ]] || die "could not list cadres and grids"
status=$(curl -s -o "$work/probe.json" -w '%{http_code}' -X POST "$base/assistance-records" \
    -H 'Content-Type: application/json' \
    -d "{\"type\":\"visit\",\"date\":\"2014-08-05\",\"cadreId\":\"${cadres%%,*}\",\"gridId\":\"${grids%%,*}\",\"summary\":\"probe\"}")
[[ "$status" == 201 ]] || { cat "$work/probe.json" >&2; die "a probe POST got $status, not 201"; }

# wrk runs on core 0 with --latency; OUT is its output file.
load() { local out="$1"; shift; taskset -c 0 wrk --latency "$@" >"$out" 2>&1; }
start_writers() { # OUT SECONDS: 16 durable writers in the background
    taskset -c 0 wrk --latency -t1 -c16 -d"$2s" -s "$lua" "$base/assistance-records" -- "$cadres" "$grids" \
        >"$1" 2>&1 &
    writers=$! # wrk itself (taskset execs it), so cleanup can stop it
}
readers() { load "$1" -t1 -c4 -d"${seconds}s" "$base$2"; }
metric() { curl -sf "$base/metrics" | awk -v name="$1" '$1 == name { print $2 }'; }
journal() { echo "$(metric gridwork_journal_changes_total) $(metric gridwork_journal_syncs_total)"; }

# One table row from a wrk output: req/s, p50 and p99 in ms, and notes (errors, NOTE).
rows=()
row() { # PHASE WORKLOAD OUT [NOTE]
    local fields
    fields=$(awk -v note="${4:-}" '
        function ms(v) { if (v ~ /us$/) return v / 1000; if (v ~ /ms$/) return v + 0
                         if (v ~ /m$/) return v * 60000; if (v ~ /s$/) return v * 1000; return v }
        $1 == "Requests/sec:" { rps = $2 }
        $1 == "50%" { p50 = ms($2) }
        $1 == "99%" { p99 = ms($2) }
        /^  Non-2xx or 3xx responses:/ { note = note (note ? "; " : "") $NF " non-2xx" }
        /^  Socket errors:/ { sub(/^  Socket errors: /, ""); note = note (note ? "; " : "") "socket errors: " $0 }
        END { printf "%s | %.2f | %.2f | %s", rps, p50, p99, note }' "$3")
    rows+=("| $1 | $2 | $fields |")
}
per_fsync() { # BEFORE AFTER: "N.N writes/fsync (M fsyncs)" between two journal() readings
    read -r c0 s0 <<<"$1"; read -r c1 s1 <<<"$2"   # empty (no /metrics counters) counts as 0
    awk -v c=$((c1 - c0)) -v s=$((s1 - s0)) \
        'BEGIN { if (s > 0) printf "%.1f writes/fsync (%d fsyncs)", c / s, s; else printf "fsyncs n/a" }'
}

echo "server pid $server on 127.0.0.1:$port, data dir $work/data; ${seconds}s per measurement" >&2

echo "phase A: 16 writers alone" >&2
before=$(journal)
start_writers "$work/a.wrk" "$seconds"; wait "$writers"; writers=""
row A "16 writers: POST /assistance-records" "$work/a.wrk" "$(per_fsync "$before" "$(journal)")"

declare -A urls=([stats]=/stats [list]="/assistance-records?limit=50")
for name in stats list; do
    echo "phase B: GET ${urls[$name]} with 16 writers" >&2
    before=$(journal)
    start_writers "$work/b-writers-$name.wrk" $((seconds + 1))   # writers start first, end last
    sleep 0.5
    readers "$work/b-$name.wrk" "${urls[$name]}"
    wait "$writers"; writers=""
    row B "4 readers: GET ${urls[$name]} (+16 writers)" "$work/b-$name.wrk"
    row B "16 writers during GET ${urls[$name]}" "$work/b-writers-$name.wrk" "$(per_fsync "$before" "$(journal)")"
done

for name in stats list; do
    echo "phase C: GET ${urls[$name]} alone" >&2
    readers "$work/c-$name.wrk" "${urls[$name]}"
    row C "4 readers: GET ${urls[$name]} (no writers)" "$work/c-$name.wrk"
done

compactions=$(grep -c 'journal\.compacted' "$work/server.log" || true)
records=$(curl -sf "$base/assistance-records?limit=1" | grep -o '"total":[0-9]*' | cut -d: -f2)
echo
echo "| phase | workload | req/s | p50 ms | p99 ms | notes |"
echo "| --- | --- | ---: | ---: | ---: | --- |"
printf '%s\n' "${rows[@]}"
echo
echo "binary: $binary; ${seconds}s each; server on core 1, wrk on core 0; $records assistance records" \
    "at the end; journal compactions: $compactions; access log: $(du -h "$work/server.log" | cut -f1)"
