#!/usr/bin/env bash
# Gridwork against a Hummingbird 2 peer and nginx serving the same routes and payloads, access logs on,
# then Gridwork alone at a million records; ends with the targets of issue #17 and which hold.
# See Benchmarks/README.md.
#
# usage: Benchmarks/run.sh [DURATION_SECONDS (8)] [CONNECTIONS (64)]
#
# Builds both Swift servers in release mode, captures Gridwork's data for the peer and the bytes nginx serves,
# checks that all three send the same payloads, then for each workload runs its sides in the order A B C C B A
# (ROUNDS times), each run on a freshly started server pinned to CPU $SERVER_CPU with wrk pinned to CPU
# $CLIENT_CPU. Then the scale phase: start-up and RSS from a journal of RECORDS creates and from its snapshot,
# and the seed's start-up. Prints Markdown tables of medians and the targets; they also go to
# Benchmarks/results-latest.md.
#
# Environment: ROUNDS (1: one A B C C B A pass per workload), SERVER_CPU (1), CLIENT_CPU (0), STARTUP_RUNS (5),
# RECORDS (1000000: the scale phase's journal; 0 skips the phase), SCALE_RUNS (3), SETTLE (2: seconds between
# the first /stats and the RSS reading), GRIDWORK_BIN / PEER_BIN (use these binaries instead of building),
# ALLOW_PAYLOAD_MISMATCH=1 to go on when the payload check fails.
set -euo pipefail

bench="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
repo="$(dirname "$bench")"
duration="${1:-${DURATION:-8}}"
connections="${2:-${CONNECTIONS:-64}}"
rounds="${ROUNDS:-1}"
server_cpu="${SERVER_CPU:-1}"
client_cpu="${CLIENT_CPU:-0}"
startup_runs="${STARTUP_RUNS:-5}"
records="${RECORDS:-1000000}"
scale_runs="${SCALE_RUNS:-3}"
settle="${SETTLE:-2}"
work="$bench/.build-data"          # captured data, logs, raw wrk output, the cached journal (git-ignored: .build-*)
results="$bench/results-latest.md" # git-ignored (Benchmarks/.gitignore)
post_lua="$repo/scripts/post.lua"
varied_lua="$bench/varied-lists.lua"
make_journal="$repo/scripts/make-journal.py"
startup_time="$repo/scripts/startup-time.py"
started_at="$(date +%s)"

die() {
    echo "run.sh: error: $*" >&2
    exit 1
}
note() { echo "==> $*" >&2; }

[[ "$duration" =~ ^[0-9]+$ && "$duration" -ge 1 ]] || die "duration must be a whole number of seconds, got '$duration'"
[[ "$connections" =~ ^[0-9]+$ && "$connections" -ge 1 ]] || die "connections must be a positive integer, got '$connections'"
[[ "$rounds" =~ ^[0-9]+$ && "$rounds" -ge 1 ]] || die "ROUNDS must be a positive integer, got '$rounds'"
[[ "$records" =~ ^[0-9]+$ ]] || die "RECORDS must be a whole number (0 skips the scale phase), got '$records'"
[[ "$scale_runs" =~ ^[0-9]+$ && "$scale_runs" -ge 1 ]] || die "SCALE_RUNS must be a positive integer, got '$scale_runs'"
[[ "$startup_runs" =~ ^[0-9]+$ && "$startup_runs" -ge 1 ]] || die "STARTUP_RUNS must be a positive integer, got '$startup_runs'"
[[ "$settle" =~ ^[0-9]+([.][0-9]+)?$ ]] || die "SETTLE must be a number of seconds, got '$settle'"

# --- tools ---------------------------------------------------------------------------------------------------
missing=()
command -v wrk >/dev/null || missing+=(wrk)
command -v nginx >/dev/null || [[ -x /usr/sbin/nginx ]] || missing+=(nginx)
if ((${#missing[@]} > 0)); then
    note "${missing[*]} missing; installing with apt-get"
    sudo=""
    [[ "$(id -u)" -eq 0 ]] || sudo="sudo"
    $sudo apt-get update -qq || die "apt-get update failed; install ${missing[*]} by hand"
    $sudo apt-get install -y -qq "${missing[@]}" >/dev/null || die "apt-get install ${missing[*]} failed; install by hand"
fi
nginx_bin="$(command -v nginx || echo /usr/sbin/nginx)"
for tool in taskset curl python3 wrk getconf; do
    command -v "$tool" >/dev/null || die "'$tool' is required and was not found on PATH"
done
[[ -n "${GRIDWORK_BIN:-}" && -n "${PEER_BIN:-}" ]] || command -v swift >/dev/null ||
    die "'swift' is required to build (or set GRIDWORK_BIN and PEER_BIN)"
for file in "$post_lua" "$varied_lua" "$make_journal" "$startup_time"; do
    [[ -f "$file" ]] || die "$file is missing"
done
cpus="$(nproc --all)"
((server_cpu < cpus && client_cpu < cpus)) ||
    die "need CPUs $server_cpu and $client_cpu, this machine has $cpus; set SERVER_CPU and CLIENT_CPU"
((server_cpu != client_cpu)) || note "warning: server and wrk share CPU $server_cpu"
clock_ticks="$(getconf CLK_TCK)"

# --- cleanup -------------------------------------------------------------------------------------------------
server_pids=()
cleanup() {
    local pid
    for pid in "${server_pids[@]+"${server_pids[@]}"}"; do
        kill -KILL "$pid" 2>/dev/null || true
    done
    rm -rf "$work/durable-data" "$work"/scale-copy.*
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# --- build ---------------------------------------------------------------------------------------------------
# Both static-stdlib release builds, as the Dockerfile builds Gridwork (scripts/build-release.sh).
if [[ -n "${GRIDWORK_BIN:-}" ]]; then
    gridwork="$GRIDWORK_BIN"
    note "Gridwork: using GRIDWORK_BIN=$gridwork (not building)"
else
    note "building Gridwork (release) into .build-bench"
    swift build -c release --static-swift-stdlib --package-path "$repo" --scratch-path "$repo/.build-bench" \
        --product gridwork >&2 || die "Gridwork release build failed"
    gridwork="$(swift build -c release --static-swift-stdlib --package-path "$repo" \
        --scratch-path "$repo/.build-bench" --show-bin-path)/gridwork"
fi
if [[ -n "${PEER_BIN:-}" ]]; then
    peer="$PEER_BIN"
    note "peer: using PEER_BIN=$peer (not building)"
else
    note "building the Hummingbird peer (release) into Benchmarks/.build (several minutes the first time)"
    swift build -c release --static-swift-stdlib --package-path "$bench" --product gridwork-peer >&2 ||
        die "peer release build failed"
    peer="$(swift build -c release --static-swift-stdlib --package-path "$bench" --show-bin-path)/gridwork-peer"
fi
[[ -x "$gridwork" ]] || die "no Gridwork binary at $gridwork"
[[ -x "$peer" ]] || die "no peer binary at $peer"

mkdir -p "$work"
rm -rf "$work"/*.log "$work"/wrk-*.txt "$work/runs.tsv" "$work/scale.tsv" "$work/nginx" "$work/durable-data"

# --- servers -------------------------------------------------------------------------------------------------
free_port() {
    python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()'
}

# nginx_conf PORT: a minimal nginx.conf in $work/nginx serving $work/nginx/www on 127.0.0.1:PORT. One process
# (no master), so the process run.sh starts is the one that serves and the one whose CPU is read.
nginx_conf() {
    local dir="$work/nginx" user=""
    mkdir -p "$dir/tmp"
    # As root nginx would serve as `nobody`; keep it the current user, as the other sides run. Not root: the
    # directive is not allowed (nginx warns and ignores it), so leave it out.
    [[ "$(id -u)" -ne 0 ]] || user="user $(id -un) $(id -gn);"
    cat >"$dir/nginx.conf" <<EOF
$user
worker_processes 1;
daemon off;
master_process off;
pid $dir/nginx.pid;
error_log $work/nginx.log warn;
events { worker_connections 4096; }
http {
    default_type application/json;
    charset utf-8;
    charset_types application/json;
    sendfile on;
    tcp_nopush on;
    # Descriptors of the three files kept open, as a tuned static server keeps them: without it nginx
    # opens, stats and closes the file on every request (about a fifth of its CPU per request here).
    open_file_cache max=64 inactive=60s;
    open_file_cache_valid 60s;
    keepalive_requests 1000000;
    access_log $work/nginx-access.log combined buffer=64k flush=1s;
    client_body_temp_path $dir/tmp/client_body;
    proxy_temp_path $dir/tmp/proxy;
    fastcgi_temp_path $dir/tmp/fastcgi;
    uwsgi_temp_path $dir/tmp/uwsgi;
    scgi_temp_path $dir/tmp/scgi;
    server {
        listen 127.0.0.1:$1;
        root $dir/www;
    }
}
EOF
}

# The file whose growth is a side's access log (the Swift servers log to stderr, nginx to its access_log).
access_log() {
    case "$1" in
    nginx) echo "$work/nginx-access.log" ;;
    *) echo "$work/$1.log" ;;
    esac
}

# start_server SIDE PORT: starts it pinned to the server CPU with its access log on (its log emptied first,
# so that one run's log is all a run leaves on disk), waits for 200 on /healthz; sets $pid.
start_server() {
    local side="$1" port="$2" log="$work/$1.log"
    : >"$log"
    case "$side" in
    gridwork)
        taskset -c "$server_cpu" "$gridwork" serve --port "$port" >>"$log" 2>&1 &
        ;;
    gridwork-durable)
        rm -rf "$work/durable-data"
        taskset -c "$server_cpu" "$gridwork" serve --port "$port" --data-dir "$work/durable-data" >>"$log" 2>&1 &
        ;;
    peer)
        taskset -c "$server_cpu" "$peer" --port "$port" --data-dir "$work/peer-data" --log-level info >>"$log" 2>&1 &
        ;;
    nginx)
        : >"$(access_log nginx)"
        nginx_conf "$port"
        # shellcheck disable=SC2094 # -e names the log nginx writes before it reads its config; same file on purpose
        taskset -c "$server_cpu" "$nginx_bin" -e "$log" -p "$work/nginx" -c "$work/nginx/nginx.conf" >>"$log" 2>&1 &
        ;;
    *) die "unknown side '$side'" ;;
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
file_bytes() { stat -c %s "$1" 2>/dev/null || echo 0; }

# --- capture and payload check -------------------------------------------------------------------------------
note "capturing Gridwork's /stats and assistance records for the peer, and the bytes nginx serves"
port="$(free_port)"
start_server gridwork "$port"
python3 "$bench/capture.py" "$port" "$work/peer-data" >&2 || die "capture from Gridwork failed"
mkdir -p "$work/nginx/www"
# nginx serves a file per path and ignores the query: www/assistance-records is the ?limit=50 page.
for route in healthz stats "assistance-records?limit=50"; do
    curl -sf -o "$work/nginx/www/${route%%\?*}" "http://127.0.0.1:$port/$route" || die "could not capture /$route"
done
stop_server "$pid"
# The seed's grid ids (capture.py walked every page of /grids), for the varied-lists workload.
grid_ids="$(python3 -c 'import json, sys; print(",".join(sorted(json.load(open(sys.argv[1])))))' \
    "$work/peer-data/grids.json")" || die "could not read the grid ids from $work/peer-data/grids.json"
[[ -n "$grid_ids" ]] || die "the seed has no grids ($work/peer-data/grids.json)"

note "checking that the three servers send the same payloads"
g_port="$(free_port)"
start_server gridwork "$g_port"
g_pid=$pid
p_port="$(free_port)"
start_server peer "$p_port"
p_pid=$pid
n_port="$(free_port)"
start_server nginx "$n_port"
n_pid=$pid
payload_ok=1
payloads="$(python3 "$bench/payloads.py" "$g_port" "$p_port" "$n_port")" || payload_ok=0
stop_server "$g_pid"
stop_server "$p_pid"
stop_server "$n_pid"
echo "$payloads" >&2
if ((payload_ok == 0)); then
    [[ "${ALLOW_PAYLOAD_MISMATCH:-0}" == 1 ]] ||
        die "the peer's or nginx's payloads differ from Gridwork's (table above); fix that or set ALLOW_PAYLOAD_MISMATCH=1"
    note "warning: payloads differ (ALLOW_PAYLOAD_MISMATCH=1), going on"
fi

# --- load ----------------------------------------------------------------------------------------------------
# name|path|sides (run in this order, then reversed)|wrk script (post, varied or none)|connections (empty: the default)
workloads=(
    "GET /healthz|/healthz|gridwork peer nginx|none|"
    "GET /stats|/stats|gridwork peer nginx|none|"
    "GET /assistance-records?limit=50|/assistance-records?limit=50|gridwork peer nginx|none|"
    "GET varied lists|/assistance-records|gridwork|varied|"
    "POST /assistance-records|/assistance-records|gridwork peer|post|"
    "POST 16 writers|/assistance-records|gridwork gridwork-durable|post|16"
)

# measure WORKLOAD PATH SIDE RUN SCRIPT CONNECTIONS: one fresh server, one wrk run, one line in runs.tsv.
measure() {
    local workload="$1" path="$2" side="$3" run="$4" kind="$5" conns="$6"
    local port out
    port="$(free_port)"
    start_server "$side" "$port"
    local rest before after requests log_before
    rest="$(rss_kb "$pid")"
    log_before="$(file_bytes "$(access_log "$side")")"
    before="$(cpu_ticks "$pid")"
    out="$work/wrk-${workload//[^a-zA-Z0-9]/_}-$side-$run.txt"
    local script=()
    case "$kind" in
    post) script=(-s "$post_lua") ;;
    varied) script=(-s "$varied_lua") ;;
    esac
    local extra=()
    [[ "$kind" == varied ]] && extra=(-- "$grid_ids")
    taskset -c "$client_cpu" wrk -t1 -c"$conns" -d"${duration}s" --latency "${script[@]+"${script[@]}"}" \
        "http://127.0.0.1:$port$path" "${extra[@]+"${extra[@]}"}" >"$out" 2>&1 || {
        cat "$out" >&2
        die "wrk failed against $side ($workload)"
    }
    alive "$pid" || die "$side died during $workload (log: $work/$side.log)"
    after="$(cpu_ticks "$pid")"
    local rss_after
    rss_after="$(rss_kb "$pid")"
    stop_server "$pid"
    # After the stop, so that buffered lines (nginx's 64k buffer) are on disk.
    local log_bytes
    log_bytes=$(($(file_bytes "$(access_log "$side")") - log_before))

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
    if [[ "$kind" == varied ]]; then
        grep -q '^varied-lists: [0-9]* answers, [0-9]* followed pages, 0 not 200$' "$out" || {
            cat "$out" >&2
            die "varied-lists.lua saw answers other than 200 from $side, or printed no summary ($out)"
        }
    fi
    if grep -q "Socket errors" "$out"; then
        note "warning: $(grep 'Socket errors' "$out" | sed 's/^ *//') ($side, $workload)"
    fi
    local cpu_us
    cpu_us="$(awk -v t="$((after - before))" -v hz="$clock_ticks" -v n="$requests" 'BEGIN { printf "%.2f", t * 1e6 / hz / n }')"
    printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$workload" "$side" "$run" "$requests" "$rps" "$p50" \
        "$p99" "$cpu_us" "$rest" "$rss_after" "$log_bytes" "$conns" >>"$work/runs.tsv"
    note "$(printf '%-32s %-16s run %d: %9.0f req/s  p50 %6.2f ms  p99 %6.2f ms  %6.1f µs CPU/req  RSS %d → %d kB  log %d B/req' \
        "$workload" "$side" "$run" "$rps" "$p50" "$p99" "$cpu_us" "$rest" "$rss_after" $((log_bytes / requests)))"
}

note "load: wrk -t1 -c$connections -d${duration}s --latency, server on CPU $server_cpu, wrk on CPU $client_cpu," \
    "each workload's sides in the order A B C C B A × $rounds, fresh server per run, access logs on"
for entry in "${workloads[@]}"; do
    IFS='|' read -r workload path sides kind conns <<<"$entry"
    read -r -a order <<<"$sides"
    for ((i = ${#order[@]} - 1; i >= 0; i--)); do order+=("${order[i]}"); done
    declare -A run_of=()
    for ((round = 0; round < rounds; round++)); do
        for side in "${order[@]}"; do
            run_of[$side]=$((${run_of[$side]:-0} + 1))
            measure "$workload" "$path" "$side" "${run_of[$side]}" "$kind" "${conns:-$connections}"
        done
    done
    unset run_of
done
rm -rf "$work"/*.log "$work/durable-data" # the last runs' access logs and data; wrk's outputs stay

# --- scale: memory per record and start-up -------------------------------------------------------------------
scale() { printf '%s\t%s\n' "$1" "$2" >>"$work/scale.tsv"; }
# startup LABEL ARGS...: scripts/startup-time.py; its output goes to stderr as it comes and to stdout to keep.
startup() {
    local label="$1" output
    shift
    note "$label"
    output="$(python3 "$startup_time" "$gridwork" "$@" --log "$work/startup.log")" || {
        tail -n 20 "$work/startup.log" >&2 || true
        die "scripts/startup-time.py failed ($label; server log above)"
    }
    echo "$output" >&2
    echo "$output"
}
# field KEY OUTPUT: the word after KEY on the line of OUTPUT that starts with it ("median: 123 ms" -> 123).
field() { awk -v key="$1" 'index($0, key) == 1 { split(substr($0, length(key) + 1), words, " "); print words[1] }' <<<"$2"; }

seed_out="$(startup "seed alone: process start to first 200 on /stats ($startup_runs runs)" "$startup_runs" "$(free_port)")"
scale seed_ms "$(field median: "$seed_out")"
if ((records > 0)); then
    # The journal is generated once and kept: its name carries make-journal.py's digest, so a changed script
    # makes a new one. Written under a temporary name and renamed, so an interrupted run leaves none half done.
    digest="$(sha1sum "$make_journal" | cut -c1-10)"
    journal_dir="$work/journal-$records-$digest"
    if [[ ! -f "$journal_dir/journal.log" ]]; then
        rm -rf "$work"/journal-"$records"-* "$work/journal.tmp"
        note "writing a journal of $records creates (scripts/make-journal.py --spread, once; kept in $journal_dir)"
        python3 "$make_journal" "$work/journal.tmp" "$records" --spread >&2 || die "scripts/make-journal.py failed"
        mv "$work/journal.tmp" "$journal_dir"
    else
        note "reusing $journal_dir"
    fi
    mkdir -p "$work/empty-data"
    rm -rf "${work:?}/empty-data/"*
    scale_args=("$scale_runs" "$(free_port)" --settle "$settle" --timeout 600)
    base_out="$(startup "seed-only store with --data-dir: RSS at rest ($scale_runs runs)" \
        "${scale_args[@]}" --data-dir "$work/empty-data")"
    journal_out="$(startup "journal of $records creates: start to first /stats, RSS at rest ($scale_runs runs, a fresh copy each)" \
        "${scale_args[@]}" --data-dir "$journal_dir")"

    note "compacting a copy of the journal offline (gridwork compact) into a snapshot"
    snapshot_dir="$work/scale-copy.snapshot"
    rm -rf "$snapshot_dir"
    cp -r "$journal_dir" "$snapshot_dir"
    compact_start="$(date +%s%N)"
    "$gridwork" compact --data-dir "$snapshot_dir" >&2 2>>"$work/startup.log" || {
        tail -n 20 "$work/startup.log" >&2
        die "gridwork compact failed (log above)"
    }
    compact_ms=$((($(date +%s%N) - compact_start) / 1000000))
    snapshot_out="$(startup "snapshot of the same store: start to first /stats, RSS at rest ($scale_runs runs, a fresh copy each)" \
        "${scale_args[@]}" --data-dir "$snapshot_dir")"
    rm -rf "$snapshot_dir" "$work/empty-data"

    base_records="$(field records: "$base_out")"
    for name in journal snapshot; do
        out_var="${name}_out"
        held="$(field records: "${!out_var}")"
        ((held == base_records + records)) ||
            die "the $name-loaded server holds $held assistance records, not the seed's $base_records + $records"
        scale "${name}_ms" "$(field median: "${!out_var}")"
        scale "${name}_rss_kb" "$(field 'median settled RSS:' "${!out_var}")"
    done
    scale records "$records"
    scale base_rss_kb "$(field 'median settled RSS:' "$base_out")"
    scale compact_ms "$compact_ms"
fi
rm -f "$work/startup.log"

# --- report --------------------------------------------------------------------------------------------------
scale_file=()
[[ -f "$work/scale.tsv" ]] && scale_file=("$work/scale.tsv")
table="$(python3 "$bench/report.py" "$work/runs.tsv" "${scale_file[@]+"${scale_file[@]}"}")" || die "report.py failed"
elapsed=$(($(date +%s) - started_at))
{
    echo "# Gridwork vs. Hummingbird 2 peer vs. nginx — $(date -u '+%Y-%m-%d %H:%M UTC')"
    echo
    echo "\`Benchmarks/run.sh $duration $connections\` (ROUNDS=$rounds, RECORDS=$records): wrk -t1 -c$connections" \
        "-d${duration}s --latency on CPU $client_cpu, server on CPU $server_cpu, static-stdlib release builds," \
        "access logs on (Gridwork at its default level and the peer at info, stderr to a file; nginx" \
        "\`access_log … combined buffer=64k flush=1s\`), no \`Accept-Encoding\`. Medians over each side's runs," \
        "each on a fresh server. Machine: $cpus CPUs, $(uname -sr)," \
        "$(swift --version 2>/dev/null | head -1 | sed 's/^.*Swift version/Swift/'), $("$nginx_bin" -v 2>&1 | sed 's/^nginx version: //')." \
        "The whole run took $((elapsed / 60)) min $((elapsed % 60)) s."
    echo
    echo "$table"
    echo
    echo "Start-up and RSS (\`scripts/startup-time.py\`, not pinned; RSS read at rest: $settle s after the first" \
        "\`/stats\`, then once the process is idle):"
    echo
    echo '```'
    echo "seed alone ($startup_runs runs, no --data-dir):"
    echo "$seed_out"
    if ((records > 0)); then
        echo
        echo "seed only, --data-dir of an empty directory:"
        echo "$base_out"
        echo
        echo "journal of $records creates (scripts/make-journal.py --spread):"
        echo "$journal_out"
        echo
        echo "snapshot of that store (gridwork compact, $compact_ms ms):"
        echo "$snapshot_out"
    fi
    echo '```'
    echo
    echo "Payloads (one request each to fresh servers):"
    echo
    echo "$payloads"
} >"$results"
echo
cat "$results"
echo
note "written to $results in $((elapsed / 60)) min $((elapsed % 60)) s (raw wrk output in $work)"
