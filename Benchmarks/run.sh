#!/usr/bin/env bash
# Gridwork against a Hummingbird 2 peer serving the same routes and payloads. See Benchmarks/README.md.
#
# usage: Benchmarks/run.sh [DURATION_SECONDS (10)] [CONNECTIONS (64)]
#
# Builds both servers in release mode, captures Gridwork's data for the peer, checks that both send the same
# payloads, then for each workload runs Gridwork, peer, peer, Gridwork (ROUNDS times), each run on a freshly
# started server pinned to CPU $SERVER_CPU with wrk pinned to CPU $CLIENT_CPU, and prints a Markdown table of
# medians. The table also goes to Benchmarks/results-latest.md.
#
# Environment: ROUNDS (1: one A B B A pass per workload), SERVER_CPU (1), CLIENT_CPU (0), STARTUP_RUNS (5),
# ALLOW_PAYLOAD_MISMATCH=1 to go on when the payload check fails.
set -euo pipefail

bench="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
repo="$(dirname "$bench")"
duration="${1:-${DURATION:-10}}"
connections="${2:-${CONNECTIONS:-64}}"
rounds="${ROUNDS:-1}"
server_cpu="${SERVER_CPU:-1}"
client_cpu="${CLIENT_CPU:-0}"
startup_runs="${STARTUP_RUNS:-5}"
work="$bench/.build-data"          # captured data, logs, raw wrk output (git-ignored: .build-*)
results="$bench/results-latest.md" # git-ignored (Benchmarks/.gitignore)
post_lua="$repo/scripts/post.lua"

die() {
    echo "run.sh: error: $*" >&2
    exit 1
}
note() { echo "==> $*" >&2; }

[[ "$duration" =~ ^[0-9]+$ && "$duration" -ge 1 ]] || die "duration must be a whole number of seconds, got '$duration'"
[[ "$connections" =~ ^[0-9]+$ && "$connections" -ge 1 ]] || die "connections must be a positive integer, got '$connections'"
[[ "$rounds" =~ ^[0-9]+$ && "$rounds" -ge 1 ]] || die "ROUNDS must be a positive integer, got '$rounds'"

# --- tools ---------------------------------------------------------------------------------------------------
if ! command -v wrk >/dev/null; then
    note "wrk is missing; installing it with apt-get"
    sudo=""
    [[ "$(id -u)" -eq 0 ]] || sudo="sudo"
    $sudo apt-get update -qq || die "apt-get update failed; install wrk by hand"
    $sudo apt-get install -y -qq wrk >/dev/null || die "apt-get install wrk failed; install wrk by hand"
fi
for tool in swift taskset curl python3 wrk getconf; do
    command -v "$tool" >/dev/null || die "'$tool' is required and was not found on PATH"
done
[[ -f "$post_lua" ]] || die "$post_lua is missing (the POST workload's wrk script)"
cpus="$(nproc --all)"
((server_cpu < cpus && client_cpu < cpus)) ||
    die "need CPUs $server_cpu and $client_cpu, this machine has $cpus; set SERVER_CPU and CLIENT_CPU"
((server_cpu != client_cpu)) || note "warning: server and wrk share CPU $server_cpu"
clock_ticks="$(getconf CLK_TCK)"

# --- cleanup -------------------------------------------------------------------------------------------------
server_pids=()
cleanup() {
    local pid
    for pid in "${server_pids[@]}"; do
        kill -KILL "$pid" 2>/dev/null || true
    done
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# --- build ---------------------------------------------------------------------------------------------------
# Both static-stdlib release builds, as the Dockerfile builds Gridwork (scripts/build-release.sh).
note "building Gridwork (release) into .build-bench"
swift build -c release --static-swift-stdlib --package-path "$repo" --scratch-path "$repo/.build-bench" \
    --product gridwork >&2 || die "Gridwork release build failed"
gridwork="$(swift build -c release --static-swift-stdlib --package-path "$repo" --scratch-path "$repo/.build-bench" \
    --show-bin-path)/gridwork"
note "building the Hummingbird peer (release) into Benchmarks/.build (several minutes the first time)"
swift build -c release --static-swift-stdlib --package-path "$bench" --product gridwork-peer >&2 ||
    die "peer release build failed"
peer="$(swift build -c release --static-swift-stdlib --package-path "$bench" --show-bin-path)/gridwork-peer"
[[ -x "$gridwork" ]] || die "no Gridwork binary at $gridwork"
[[ -x "$peer" ]] || die "no peer binary at $peer"

mkdir -p "$work"
rm -f "$work"/*.log "$work"/wrk-*.txt "$work/runs.tsv"

# --- servers -------------------------------------------------------------------------------------------------
free_port() {
    python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()'
}

# start_server SIDE PORT: starts it pinned to the server CPU, waits for 200 on /healthz; sets $pid.
start_server() {
    local side="$1" port="$2" log="$work/$1.log"
    case "$side" in
    gridwork)
        taskset -c "$server_cpu" "$gridwork" serve --port "$port" --log-level warning 2>>"$log" &
        ;;
    peer)
        taskset -c "$server_cpu" "$peer" --port "$port" --data-dir "$work/peer-data" --log-level warning 2>>"$log" &
        ;;
    esac
    pid=$!
    server_pids+=("$pid")
    local tries=0
    until curl -sf -o /dev/null "http://127.0.0.1:$port/healthz"; do
        if ! alive "$pid"; then
            tail -n 20 "$log" >&2 || true
            die "$side exited before answering /healthz on port $port (log above, $log)"
        fi
        tries=$((tries + 1))
        ((tries < 300)) || die "$side did not answer /healthz on port $port within 15 s (log: $log)"
        sleep 0.05
    done
}

# stop_server PID: SIGTERM, up to 10 s to drain, then SIGKILL.
stop_server() {
    local target="$1" tries=0
    kill -TERM "$target" 2>/dev/null || return 0
    while alive "$target" && ((tries < 100)); do
        sleep 0.1
        tries=$((tries + 1))
    done
    kill -KILL "$target" 2>/dev/null || true
    wait "$target" 2>/dev/null || true
    local kept=()
    for p in "${server_pids[@]}"; do [[ "$p" == "$target" ]] || kept+=("$p"); done
    server_pids=("${kept[@]+"${kept[@]}"}")
}

# alive PID: running, not exited (an exited child stays a zombie until waited for, and kill -0 still succeeds).
alive() {
    local state
    state="$(sed 's/^.*) //' "/proc/$1/stat" 2>/dev/null | cut -d' ' -f1)" || return 1
    [[ -n "$state" && "$state" != Z ]]
}

cpu_ticks() { sed 's/^.*) //' "/proc/$1/stat" | awk '{ print $12 + $13 }'; } # utime + stime, all threads
rss_kb() { awk '/^VmRSS:/ { print $2 }' "/proc/$1/status"; }

# --- capture and payload check -------------------------------------------------------------------------------
note "capturing Gridwork's /stats and assistance records for the peer"
port="$(free_port)"
start_server gridwork "$port"
python3 "$bench/capture.py" "$port" "$work/peer-data" >&2 || die "capture from Gridwork failed"
stop_server "$pid"

note "checking that both servers send the same payloads"
g_port="$(free_port)"
start_server gridwork "$g_port"
g_pid=$pid
p_port="$(free_port)"
start_server peer "$p_port"
p_pid=$pid
payload_ok=1
payloads="$(python3 "$bench/payloads.py" "$g_port" "$p_port")" || payload_ok=0
stop_server "$g_pid"
stop_server "$p_pid"
echo "$payloads" >&2
if ((payload_ok == 0)); then
    [[ "${ALLOW_PAYLOAD_MISMATCH:-0}" == 1 ]] ||
        die "the peer's payloads differ from Gridwork's (table above); fix the peer or set ALLOW_PAYLOAD_MISMATCH=1"
    note "warning: payloads differ (ALLOW_PAYLOAD_MISMATCH=1), going on"
fi

# --- start-up time -------------------------------------------------------------------------------------------
note "Gridwork: process start to first 200 on /stats ($startup_runs runs, scripts/startup-time.py)"
startup="$(python3 "$repo/scripts/startup-time.py" "$gridwork" "$startup_runs" "$(free_port)")" ||
    die "scripts/startup-time.py failed"
echo "$startup" >&2

# --- load ----------------------------------------------------------------------------------------------------
# name|method|path
workloads=(
    "GET /healthz|GET|/healthz"
    "GET /stats|GET|/stats"
    "GET /assistance-records?limit=50|GET|/assistance-records?limit=50"
    "POST /assistance-records|POST|/assistance-records"
)

# measure WORKLOAD METHOD PATH SIDE RUN: one fresh server, one wrk run, one line in runs.tsv.
measure() {
    local workload="$1" method="$2" path="$3" side="$4" run="$5"
    local port out
    port="$(free_port)"
    start_server "$side" "$port"
    local rest before after requests
    rest="$(rss_kb "$pid")"
    before="$(cpu_ticks "$pid")"
    out="$work/wrk-${workload//[^a-zA-Z0-9]/_}-$side-$run.txt"
    local script=()
    [[ "$method" == POST ]] && script=(-s "$post_lua")
    taskset -c "$client_cpu" wrk -t1 -c"$connections" -d"${duration}s" --latency "${script[@]}" \
        "http://127.0.0.1:$port$path" >"$out" 2>&1 || {
        cat "$out" >&2
        die "wrk failed against $side ($workload)"
    }
    alive "$pid" || die "$side died during $workload (log: $work/$side.log)"
    after="$(cpu_ticks "$pid")"
    local rss_after
    rss_after="$(rss_kb "$pid")"
    stop_server "$pid"

    # requests, req/s, p50 and p99 in ms, non-2xx count
    local parsed
    parsed="$(awk '
        function ms(v) { if (v ~ /us$/) return v / 1000; if (v ~ /ms$/) return v + 0; if (v ~ /s$/) return v * 1000; return v + 0 }
        /requests in/ { requests = $1 }
        /^Requests\/sec:/ { rps = $2 }
        /^ +50%/ { p50 = ms($2) }
        /^ +99%/ { p99 = ms($2) }
        /Non-2xx or 3xx responses:/ { bad = $NF }
        END { printf "%d %s %s %s %d\n", requests, rps, p50, p99, bad }' "$out")"
    local rps p50 p99 bad
    read -r requests rps p50 p99 bad <<<"$parsed"
    [[ -n "$rps" && "$requests" -gt 0 ]] || {
        cat "$out" >&2
        die "could not read wrk's output for $side ($workload): $out"
    }
    ((bad == 0)) || {
        cat "$out" >&2
        die "$side answered $bad non-2xx responses to $workload ($out)"
    }
    if grep -q "Socket errors" "$out"; then
        note "warning: $(grep 'Socket errors' "$out" | sed 's/^ *//') ($side, $workload)"
    fi
    local cpu_us
    cpu_us="$(awk -v t="$((after - before))" -v hz="$clock_ticks" -v n="$requests" 'BEGIN { printf "%.2f", t * 1e6 / hz / n }')"
    printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$workload" "$side" "$run" "$requests" "$rps" "$p50" "$p99" \
        "$cpu_us" "$rest" "$rss_after" >>"$work/runs.tsv"
    note "$(printf '%-34s %-8s run %d: %9.0f req/s  p50 %6.2f ms  p99 %6.2f ms  %6.1f µs CPU/req  RSS %d → %d kB' \
        "$workload" "$side" "$run" "$rps" "$p50" "$p99" "$cpu_us" "$rest" "$rss_after")"
}

note "load: wrk -t1 -c$connections -d${duration}s --latency, server on CPU $server_cpu, wrk on CPU $client_cpu," \
    "order Gridwork peer peer Gridwork × $rounds per workload, fresh server per run"
for entry in "${workloads[@]}"; do
    IFS='|' read -r workload method path <<<"$entry"
    g_run=0 p_run=0
    for ((round = 0; round < rounds; round++)); do
        for side in gridwork peer peer gridwork; do
            if [[ "$side" == gridwork ]]; then
                g_run=$((g_run + 1))
                measure "$workload" "$method" "$path" gridwork "$g_run"
            else
                p_run=$((p_run + 1))
                measure "$workload" "$method" "$path" peer "$p_run"
            fi
        done
    done
done

# --- report --------------------------------------------------------------------------------------------------
table="$(python3 "$bench/report.py" "$work/runs.tsv")" || die "report.py failed"
startup_median="$(echo "$startup" | awk '/^median:/ { print $2, $3 }')"
{
    echo "# Gridwork vs. Hummingbird 2 peer — $(date -u '+%Y-%m-%d %H:%M UTC')"
    echo
    echo "\`Benchmarks/run.sh $duration $connections\` (ROUNDS=$rounds): wrk -t1 -c$connections -d${duration}s --latency on" \
        "CPU $client_cpu, server on CPU $server_cpu, static-stdlib release builds, access logs off" \
        "(\`--log-level warning\`), no \`Accept-Encoding\`. Medians over $((2 * rounds)) runs per side, each on a fresh" \
        "server. Machine: $cpus CPUs, $(uname -sr), $(swift --version 2>/dev/null | head -1 | sed 's/^.*Swift version/Swift/')."
    echo
    echo "$table"
    echo
    echo "Gridwork, process start to first 200 on \`/stats\` (scripts/startup-time.py, $startup_runs runs): **$startup_median median**."
    echo
    echo '```'
    echo "$startup"
    echo '```'
    echo
    echo "Payloads (one request each to fresh servers):"
    echo
    echo "$payloads"
} >"$results"
echo
cat "$results"
echo
note "written to $results (raw wrk output in $work)"
