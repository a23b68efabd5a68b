# Sourced by the benchmark scripts. wait_for_server: waits (at most 60 s) for the server started
# as $server, logging to $work/server.log, to print its port and answer 200 on /readyz; sets
# $port and $base. Calls the script's own `die` when the server exits or never says its port.
wait_for_server() {
    port=""
    for _ in $(seq 600); do
        kill -0 "$server" 2>/dev/null || { cat "$work/server.log" >&2; die "the server exited"; }
        [[ -z "$port" ]] && port=$(grep -o 'server\.port=[0-9]*' "$work/server.log" | head -1 | cut -d= -f2 || true)
        [[ -n "$port" && $(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$port/readyz") == 200 ]] && break
        sleep 0.1
    done
    [[ -n "$port" ]] || die "no server.port line in $work/server.log"
    base="http://127.0.0.1:$port"
}

# bench_arguments "$@": the benchmark scripts' `BINARY [SECONDS]`. Sets $binary (an executable) and
# $seconds (1-300, default 8) and checks that wrk, curl and taskset are installed; calls `die` when not.
bench_arguments() {
    binary="${1:-}"
    [[ -n "$binary" ]] || die "usage: $0 BINARY [SECONDS]"
    seconds="${2:-8}"
    [[ -x "$binary" ]] || die "$binary is not an executable"
    if ! [[ "$seconds" =~ ^[0-9]+$ ]] || ((seconds < 1 || seconds > 300)); then die "SECONDS must be 1-300"; fi
    local tool
    for tool in wrk curl taskset; do
        command -v "$tool" >/dev/null || die "$tool is missing (apt-get install -y $tool)"
    done
}
