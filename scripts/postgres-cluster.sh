#!/usr/bin/env bash
# A throwaway PostgreSQL cluster for tests and CI, kept entirely in one directory.
#
#   scripts/postgres-cluster.sh start DIR     initdb into DIR/data if absent, start it on 127.0.0.1 (a free
#                                             port, kept across restarts) and a unix socket in DIR, create
#                                             the database gridwork; print its URL and write it to DIR/url
#   scripts/postgres-cluster.sh stop DIR      fast shutdown
#   scripts/postgres-cluster.sh restart DIR   fast restart on the same port; returns once it accepts
#                                             connections again
#   scripts/postgres-cluster.sh url DIR       print the URL
#
# Only the URL goes to stdout, so `url=$(scripts/postgres-cluster.sh start DIR)` works; progress and
# PostgreSQL's own output go to stderr, the server's log to DIR/postgres.log. Authentication is `trust`
# for the user gridwork: never point this at a directory a real database lives in.
#
# PostgreSQL refuses to run as root. Run as root (as CI does), the script runs the server as the
# `postgres` system user (creating it when the postgresql package has not) and gives DIR to that user,
# whose parent directories must let it in (anything under /tmp does).
set -euo pipefail

die() {
    echo "postgres-cluster.sh: $*" >&2
    exit 1
}

usage() {
    echo "usage: $0 start|stop|restart|url DIR" >&2
    exit 2
}

(($# == 2)) || usage
action=$1
case "$action" in start | stop | restart | url) ;; *) usage ;; esac
[[ -n "$2" ]] || usage

# The server binaries: the newest /usr/lib/postgresql/VERSION/bin (Debian and Ubuntu), else whatever
# pg_ctl is on PATH (other distributions, Homebrew).
find_binaries() {
    local newest
    newest=$(find /usr/lib/postgresql -mindepth 2 -maxdepth 2 -name bin -type d 2>/dev/null | sort -V | tail -n 1) || true
    if [[ -n "$newest" && -x "$newest/pg_ctl" ]]; then
        bin=$newest
    elif command -v pg_ctl >/dev/null && command -v initdb >/dev/null; then
        bin=$(dirname "$(command -v pg_ctl)")
    else
        die "no PostgreSQL server binaries under /usr/lib/postgresql or on PATH; install the postgresql package"
    fi
    local tool
    for tool in pg_ctl initdb pg_isready psql; do
        [[ -x "$bin/$tool" ]] || die "$bin/$tool is missing; install the postgresql package"
    done
}

# Who runs the server: this user, or `postgres` when this is root.
choose_owner() {
    if (($(id -u) != 0)); then
        owner=$(id -un)
        return
    fi
    owner=postgres
    if ! id -u "$owner" >/dev/null 2>&1; then
        echo "creating the system user $owner to run PostgreSQL (it refuses to run as root)" >&2
        useradd --system --user-group --no-create-home --home-dir /nonexistent --shell /usr/sbin/nologin "$owner" ||
            die "could not create the user $owner"
    fi
}

# Runs a command as the server's owner.
as_owner() {
    if (($(id -u) == 0)); then
        runuser -u "$owner" -- "$@"
    else
        "$@"
    fi
}

# The port recorded in the cluster's configuration (the last `port =` line wins, as in PostgreSQL).
recorded_port() {
    sed -n 's/^port = \([0-9][0-9]*\).*/\1/p' "$data/postgresql.conf" | tail -n 1
}

url_for_port() {
    echo "postgresql://gridwork@127.0.0.1:$1/gridwork"
}

is_running() {
    as_owner "$bin/pg_ctl" status -D "$data" >/dev/null 2>&1
}

# A port nothing listens on now, below Linux's ephemeral range (32768-60999) so outgoing connections do
# not take it later. Another process may still bind it first; start_server then tries another.
pick_port() {
    local candidate
    for _ in $(seq 50); do
        candidate=$((20000 + RANDOM % 12000))
        if ! (exec 3<>"/dev/tcp/127.0.0.1/$candidate") 2>/dev/null; then
            echo "$candidate"
            return
        fi
    done
    die "found no free TCP port on 127.0.0.1"
}

# Creates DIR/data with the settings tests rely on: durable commits, TCP on 127.0.0.1 only, the socket
# in DIR.
init_cluster() {
    local locale=C
    # C.UTF-8 gives Unicode character classes with the C locale's byte order; older systems lack it.
    if grep -qiE '^c\.utf-?8$' <<<"$(locale -a 2>/dev/null)"; then locale=C.UTF-8; fi
    echo "initdb $data" >&2
    as_owner "$bin/initdb" -D "$data" --auth=trust --username=gridwork -E UTF8 --locale="$locale" --no-instructions >&2 ||
        die "initdb failed (its output is above)"
    cat >>"$data/postgresql.conf" <<EOF

# scripts/postgres-cluster.sh: a throwaway cluster for tests. Durability is what the tests check, so
# commits wait for the disk.
listen_addresses = '127.0.0.1'
unix_socket_directories = '$dir'
fsync = on
synchronous_commit = on
full_page_writes = on
max_connections = 100
shared_buffers = 64MB
logging_collector = off
log_line_prefix = '%m [%p] '
port = $(pick_port)
EOF
}

# Starts the server on its recorded port. A new cluster whose port was taken in the meantime moves to
# another; an existing one keeps its port, because clients have its URL.
start_server() {
    local fresh=$1 attempt port
    for attempt in 1 2 3 4 5; do
        port=$(recorded_port)
        [[ -n "$port" ]] || die "no port setting in $data/postgresql.conf"
        if as_owner "$bin/pg_ctl" start -D "$data" -l "$dir/postgres.log" -w -t 60 >&2; then
            return
        fi
        if [[ "$fresh" == yes ]] && grep -q 'could not bind' < <(tail -n 20 "$dir/postgres.log"); then
            echo "port $port was taken; trying another (attempt $attempt)" >&2
            as_owner sed -i "s/^port = $port\$/port = $(pick_port)/" "$data/postgresql.conf"
            continue
        fi
        tail -n 20 "$dir/postgres.log" >&2 || true
        die "the server did not start on port $port (the end of $dir/postgres.log is above)"
    done
    die "the server did not start; every port tried was taken"
}

# Waits until the server accepts connections on TCP (pg_ctl -w watches the socket file, not the port).
wait_until_ready() {
    local port=$1
    for _ in $(seq 300); do
        "$bin/pg_isready" -q -h 127.0.0.1 -p "$port" -d postgres -U gridwork && return
        sleep 0.1
    done
    die "the server on port $port did not accept connections within 30 s"
}

create_database() {
    local port=$1 exists
    exists=$("$bin/psql" -X -q -t -A -h 127.0.0.1 -p "$port" -U gridwork -d postgres \
        -c "select 1 from pg_database where datname = 'gridwork'") ||
        die "could not query the server on port $port"
    if [[ "$exists" != 1 ]]; then
        "$bin/psql" -X -q -h 127.0.0.1 -p "$port" -U gridwork -d postgres -c 'create database gridwork' >&2 ||
            die "could not create the database gridwork"
    fi
}

find_binaries
choose_owner

dir=$2
if [[ "$action" == start ]]; then
    mkdir -p "$dir" || die "cannot create $dir"
elif [[ "$action" == stop && ! -f "$dir/data/PG_VERSION" ]]; then
    # Teardown may run after a start that failed; there is nothing to stop.
    echo "no cluster in $dir; nothing to stop" >&2
    exit 0
fi
[[ -d "$dir" ]] || die "$dir is not a directory; run: $0 start $dir"
dir=$(cd "$dir" && pwd)
data=$dir/data
if [[ "$dir" == *"'"* || "$dir" == *\\* ]]; then
    die "$dir: the path may not contain quotes or backslashes (it goes into postgresql.conf)"
fi
# A unix socket path holds at most 107 bytes; DIR/.s.PGSQL.PORT must fit.
((${#dir} + 18 <= 107)) || die "$dir is too long for the unix socket PostgreSQL creates in it; use a shorter path"

case "$action" in
start)
    fresh=no
    if (($(id -u) == 0)); then
        chown "$owner:" "$dir"
        if [[ -d "$data" ]]; then chown -R "$owner:" "$data"; fi
        if [[ -e "$dir/postgres.log" ]]; then chown "$owner:" "$dir/postgres.log"; fi
        runuser -u "$owner" -- test -w "$dir" -a -x "$dir" ||
            die "the user $owner cannot write to $dir (check its parent directories' permissions)"
    fi
    chmod 0755 "$dir"
    if [[ ! -f "$data/PG_VERSION" ]]; then
        if [[ -d "$data" && -n "$(ls -A "$data")" ]]; then die "$data exists but is not a PostgreSQL cluster"; fi
        init_cluster
        fresh=yes
    fi
    if is_running; then
        echo "already running" >&2
    else
        start_server "$fresh"
    fi
    port=$(recorded_port)
    wait_until_ready "$port"
    create_database "$port"
    url_for_port "$port" >"$dir/url"
    cat "$dir/url"
    ;;
stop)
    if is_running; then
        as_owner "$bin/pg_ctl" stop -D "$data" -m fast -w -t 60 >&2
    else
        echo "not running" >&2
    fi
    ;;
restart)
    [[ -f "$data/PG_VERSION" ]] || die "$data is not a PostgreSQL cluster; run: $0 start $dir"
    as_owner "$bin/pg_ctl" restart -D "$data" -m fast -l "$dir/postgres.log" -w -t 60 >&2 ||
        die "the server did not restart (see $dir/postgres.log)"
    wait_until_ready "$(recorded_port)"
    ;;
url)
    # DIR/url is readable by anyone; the configuration in DIR/data only by the server's owner.
    [[ -f "$dir/url" ]] || die "$dir/url is missing; run: $0 start $dir"
    cat "$dir/url"
    ;;
esac
