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
