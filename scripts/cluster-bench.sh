#!/usr/bin/env bash
# Durable creates through PostgreSQL against the file journal, and the lag between two nodes.
#
#   scripts/cluster-bench.sh BINARY CLUSTER_DIR [SECONDS]
#
# BINARY: a release gridwork built with PostgreSQL (scripts/build-release.sh --postgres);
# CLUSTER_DIR: a cluster scripts/postgres-cluster.sh started. SECONDS: 1-300, default 8.
#
#   1  file journal: one node with --data-dir, 16 writers (wrk, scripts/durability-bench.lua)
#   2  PostgreSQL, one node: the same 16 writers against `serve --postgres`
#   3  PostgreSQL, two nodes: 8 writers on each at once (each node's appends race the other's)
#   4  the lag from one node's 201 to the change reaching a second node (scripts/cluster-test.py --lag)
#
# Nothing is pinned: the servers, PostgreSQL and wrk share the machine's cores alike in every phase.
# Each PostgreSQL phase gets a database of its own. Conflicts (appends lost to the other node) are
# read from each node's `log.closed` line at its shutdown.
set -euo pipefail

die() { echo "cluster-bench: $*" >&2; exit 1; }
# shellcheck source=scripts/wait-for-server.sh
source "$(dirname "${BASH_SOURCE[0]}")/wait-for-server.sh"
scripts="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
[[ $# -ge 2 ]] || die "usage: $0 BINARY CLUSTER_DIR [SECONDS]"
cluster="$2"
bench_arguments "$1" "${3:-8}"
base_url=$("$scripts/postgres-cluster.sh" url "$cluster") || die "no cluster in $cluster"
command -v psql >/dev/null || die "psql is missing (apt-get install -y postgresql-client)"

work=$(mktemp -d "${TMPDIR:-/tmp}/cluster-bench.XXXXXX")
servers=()
cleanup() {
    set +e
    for pid in "${servers[@]}"; do kill -TERM "$pid" 2>/dev/null; wait "$pid" 2>/dev/null; done
    rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

database() { # NAME: a new database; prints its URL
    local name="gw_bench_$1_$$"
    psql -q -X "$base_url" -c "CREATE DATABASE $name" >/dev/null
    echo "${base_url%/*}/$name"
}

start() { # NAME ARGS...: starts a node, sets $base
    local name=$1
    shift
    "$binary" serve --host 127.0.0.1 --port 0 "$@" 2>"$work/$name.log" &
    server=$!
    servers+=("$server")
    local log="$work/$name.log"
    # wait_for_server reads $work/server.log
    ln -sf "$log" "$work/server.log"
    wait_for_server
}

stop_all() {
    for pid in "${servers[@]}"; do kill -TERM "$pid" 2>/dev/null; wait "$pid" 2>/dev/null || true; done
    servers=()
}

ids() { curl -sf "$1/$2?limit=500" | grep -o '"id":"[^"]*"' | cut -d'"' -f4 | paste -sd, -; }

writers() { # OUT BASE CONNECTIONS
    wrk --latency -t1 -c"$3" -d"${seconds}s" -s "$scripts/durability-bench.lua" "$2/assistance-records" \
        -- "$cadres" "$grids" >"$1" 2>&1
}

summary() { # OUT: req/s p50 p99 non-2xx
    awk 'function ms(v) { if (v ~ /us$/) return v / 1000; if (v ~ /ms$/) return v + 0
                         if (v ~ /m$/) return v * 60000; if (v ~ /s$/) return v * 1000; return v }
        $1 == "Requests/sec:" { rps = $2 }
        $1 == "50%" { p50 = ms($2) }
        $1 == "99%" { p99 = ms($2) }
        /^  Non-2xx or 3xx responses:/ { bad = $NF }
        END { printf "%.0f | %.2f | %.2f | %d", rps, p50, p99, bad }' "$1"
}

rows=()

echo "phase 1: file journal, 16 writers" >&2
start journal --data-dir "$work/data"
cadres=$(ids "$base" cadres) && grids=$(ids "$base" grids)
[[ -n "$cadres" && -n "$grids" ]] || die "could not list cadres and grids"
writers "$work/1.wrk" "$base" 16
rows+=("| file journal, 1 node | 16 | $(summary "$work/1.wrk") | |")
stop_all

echo "phase 2: PostgreSQL, one node, 16 writers" >&2
url=$(database one)
start pg-one --postgres "$url"
writers "$work/2.wrk" "$base" 16
rows+=("| PostgreSQL, 1 node | 16 | $(summary "$work/2.wrk") | |")
stop_all
conflicts_one=$(grep -o 'conflicts=[0-9]*' "$work/pg-one.log" | cut -d= -f2 | head -1)

echo "phase 3: PostgreSQL, two nodes, 8 writers each" >&2
url=$(database two)
start pg-a --postgres "$url"
base_a=$base
start pg-b --postgres "$url"
base_b=$base
writers "$work/3a.wrk" "$base_a" 8 &
wa=$!
writers "$work/3b.wrk" "$base_b" 8
wait "$wa"
stop_all
conflicts=$(cat "$work/pg-a.log" "$work/pg-b.log" | grep -o 'conflicts=[0-9]*' | cut -d= -f2 | paste -sd+ - | bc)
appends=$(cat "$work/pg-a.log" "$work/pg-b.log" | grep -o 'appends=[0-9]*' | cut -d= -f2 | paste -sd+ - | bc)
rows+=("| PostgreSQL, node A of 2 | 8 | $(summary "$work/3a.wrk") | |")
rows+=("| PostgreSQL, node B of 2 | 8 | $(summary "$work/3b.wrk") | $conflicts of $((appends + conflicts)) appends lost the race |")

echo
echo "| log | writers | creates/s | p50 ms | p99 ms | non-2xx | notes |"
echo "| --- | ---: | ---: | ---: | ---: | ---: | --- |"
printf '%s\n' "${rows[@]}"
echo
echo "binary: $binary; ${seconds}s each; nothing pinned; conflicts with one node: ${conflicts_one:-0}"
echo
echo "phase 4: lag between two nodes" >&2
python3 "$scripts/cluster-test.py" --binary "$binary" --cluster "$cluster" --lag 500
