#!/usr/bin/env bash
# What principals cost: GET /stats and POST /assistance-records on a build without principals
# (BEFORE, open) and on this build (AFTER) open and with --principals, for a district principal,
# a town principal and a grid cadre. Each cell runs twice, alternating servers, so that drift
# in the machine falls on both sides.
#
#   scripts/principals-bench.sh BEFORE_BINARY AFTER_BINARY [SECONDS]     # SECONDS: default 8
#
# Every server runs in memory on core 1 (one event loop), access log on (stderr to a file); wrk
# -t1 -c64 --latency on core 0. The principals file is made with `AFTER principals add`. Needs
# wrk, curl, taskset. Prints one markdown row per cell: req/s and p99 of each run.
set -euo pipefail

die() { echo "principals-bench: $*" >&2; exit 1; }
# shellcheck source=scripts/wait-for-server.sh
source "$(dirname "${BASH_SOURCE[0]}")/wait-for-server.sh"
before="${1:?usage: $0 BEFORE_BINARY AFTER_BINARY [SECONDS]}"
after="${2:?usage: $0 BEFORE_BINARY AFTER_BINARY [SECONDS]}"
seconds="${3:-8}"
for binary in "$before" "$after"; do [[ -x "$binary" ]] || die "$binary is not an executable"; done
for tool in wrk curl taskset; do command -v "$tool" >/dev/null || die "$tool is missing"; done
lua="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)/principals-bench.lua"

work=$(mktemp -d "${TMPDIR:-/tmp}/principals-bench.XXXXXX")
server=""
stop() { if [[ -n "$server" ]]; then kill -TERM "$server" 2>/dev/null; wait "$server" 2>/dev/null || true; server=""; fi; }
trap 'stop; rm -rf "$work"' EXIT
trap 'exit 130' INT TERM

principals="$work/principals.json"
add() { "$after" principals add --file "$principals" "$@" 2>/dev/null; }
district=$(add --id district-staff --name 区委组织部 --role district)
town=$(add --id banqiao-office --name 板桥镇组织办 --role town --town town-banqiao)
cadre=$(add --id he-lanli --name 贺兰丽 --role grid --grid grid-0296 --cadre cadre-0169)

start() { # BINARY [ARGS...]: start, wait for /readyz, set $base
    taskset -c 1 "$1" serve --host 127.0.0.1 --port 0 "${@:2}" >/dev/null 2>"$work/server.log" &
    server=$!
    wait_for_server
}
measure() { # OUT wrk-args...: "req/s p99ms"
    taskset -c 0 wrk --latency -t1 -c64 -d"${seconds}s" "${@:2}" >"$1" 2>&1
    awk 'function ms(v) { if (v ~ /us$/) return v / 1000; if (v ~ /ms$/) return v + 0; if (v ~ /s$/) return v * 1000; return v }
        $1 == "Requests/sec:" { rps = $2 } $1 == "99%" { p99 = ms($2) }
        /Non-2xx/ { bad = $NF }
        END { printf "%.0f req/s, p99 %.2f ms%s", rps, p99, bad ? " (" bad " non-2xx!)" : "" }' "$1"
}

declare -A cells
run() { # NAME BINARY SERVER-ARGS | WRK-ARGS
    local name="$1" binary="$2"; shift 2
    local args=() wrkargs=() split=0
    # "${args[@]}" of an empty array is fine under set -u in bash >= 4.4.
    for a in "$@"; do if [[ "$a" == "|" ]]; then split=1; elif ((split)); then wrkargs+=("$a"); else args+=("$a"); fi; done
    start "$binary" "${args[@]}"
    local url="${wrkargs[0]}" options=() scriptargs=() after_dashes=0
    for a in "${wrkargs[@]:1}"; do
        if [[ "$a" == "--" ]]; then after_dashes=1; elif ((after_dashes)); then scriptargs+=("$a"); else options+=("$a"); fi
    done
    local result
    if ((${#scriptargs[@]})); then
        result=$(measure "$work/${name//[^a-zA-Z0-9]/_}.wrk" "${options[@]}" "$base$url" -- "${scriptargs[@]}")
    else
        result=$(measure "$work/${name//[^a-zA-Z0-9]/_}.wrk" "${options[@]}" "$base$url")
    fi
    stop
    cells[$name]="${cells[$name]:-}${cells[$name]:+; }$result"
}
for round in 1 2; do
    echo "round $round" >&2
    run "before, open: GET /stats" "$before" "|" /stats
    run "after, open: GET /stats" "$after" "|" /stats
    run "after, district principal: GET /stats" "$after" --principals "$principals" "|" /stats -H "Authorization: Bearer $district"
    run "after, town principal: GET /stats" "$after" --principals "$principals" "|" /stats -H "Authorization: Bearer $town"
    run "before, open: POST visit" "$before" "|" /assistance-records -s "$lua" -- grid-0296 cadre-0169
    run "after, open: POST visit" "$after" "|" /assistance-records -s "$lua" -- grid-0296 cadre-0169
    run "after, grid principal: POST visit in its grid" "$after" --principals "$principals" "|" /assistance-records -s "$lua" -H "Authorization: Bearer $cadre" -- grid-0296
    run "after, district principal: POST visit" "$after" --principals "$principals" "|" /assistance-records -s "$lua" -H "Authorization: Bearer $district" -- grid-0296 cadre-0169
done

echo "| cell | run 1 | run 2 |"
echo "| --- | --- | --- |"
for name in "before, open: GET /stats" "after, open: GET /stats" "after, district principal: GET /stats" \
    "after, town principal: GET /stats" "before, open: POST visit" "after, open: POST visit" \
    "after, grid principal: POST visit in its grid" "after, district principal: POST visit"; do
    IFS=';' read -r one two <<<"${cells[$name]}"
    echo "| $name |$one |$two |"
done
echo
echo "before: $before; after: $after; ${seconds}s per run; servers on core 1 in memory, wrk -t1 -c64 on core 0"
