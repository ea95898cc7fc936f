#!/usr/bin/env bash
# A throwaway local PostgreSQL server for the test suite and the benchmarks.
#
#   pg-test-server.sh start DIR PORT [--durable]   initdb into DIR, start on 127.0.0.1:PORT
#                                                  (unix socket in DIR/sock), print its URL
#   pg-test-server.sh stop DIR                     stop it (DIR can then be deleted)
#
# Installs the server binaries (scripts/ensure-system-deps.sh --postgres) when they are missing.
# PostgreSQL refuses to run as root: as root the server runs as the `postgres` system user (or
# `sourcetrace-pg`, created on demand). Without --durable, fsync is off: fast, and fine for tests,
# which never survive a machine crash anyway.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
cmd="${1:-}"
dir="${2:-}"
[ -n "$cmd" ] && [ -n "$dir" ] || { echo "usage: $0 start DIR PORT [--durable] | stop DIR" >&2; exit 2; }

find_bindir() {
    local best=""
    for d in /usr/lib/postgresql/*/bin; do
        [ -x "$d/initdb" ] && best="$d"
    done
    if [ -z "$best" ] && command -v initdb >/dev/null 2>&1; then
        best="$(dirname "$(command -v initdb)")"
    fi
    echo "$best"
}

bindir="$(find_bindir)"
if [ -z "$bindir" ]; then
    bash "$here/ensure-system-deps.sh" --postgres >&2
    bindir="$(find_bindir)"
fi
[ -n "$bindir" ] || { echo "pg-test-server: no PostgreSQL server binaries (initdb) found" >&2; exit 1; }

as_server_user=()
user="$(id -un)"
if [ "$(id -u)" = 0 ]; then
    user=postgres
    if ! id "$user" >/dev/null 2>&1; then
        user=sourcetrace-pg
        id "$user" >/dev/null 2>&1 || useradd --system --no-create-home --shell /usr/sbin/nologin "$user"
    fi
    if command -v runuser >/dev/null 2>&1; then
        as_server_user=(runuser -u "$user" --)
    else
        as_server_user=(setpriv --reuid="$user" --regid="$(id -g "$user")" --init-groups --)
    fi
fi

case "$cmd" in
start)
    port="${3:?port}"
    durable="${4:-}"
    mkdir -p "$dir/data" "$dir/sock"
    chmod 755 "$dir"
    if [ "$(id -u)" = 0 ]; then chown -R "$user" "$dir"; fi
    chmod 700 "$dir/data"
    if ! "${as_server_user[@]}" test -w "$dir/data"; then
        echo "pg-test-server: $dir is not reachable by the server's user ($user); make its parent folders traversable (chmod o+x)" >&2
        exit 1
    fi
    "${as_server_user[@]}" "$bindir/initdb" -D "$dir/data" -U sourcetrace --auth=trust -E UTF8 \
        --locale=C --no-sync >"$dir/initdb.log" 2>&1 || { cat "$dir/initdb.log" >&2; exit 1; }
    opts="-c listen_addresses=127.0.0.1 -p $port -k $dir/sock -c max_connections=200 -c shared_buffers=32MB"
    if [ "$durable" != "--durable" ]; then
        opts="$opts -c fsync=off -c synchronous_commit=off -c full_page_writes=off"
    fi
    "${as_server_user[@]}" "$bindir/pg_ctl" -D "$dir/data" -o "$opts" -l "$dir/server.log" -w -t 120 start \
        >/dev/null || { cat "$dir/server.log" >&2; exit 1; }
    echo "postgresql://sourcetrace@127.0.0.1:$port/postgres"
    ;;
stop)
    if [ -f "$dir/data/postmaster.pid" ]; then
        "${as_server_user[@]}" "$bindir/pg_ctl" -D "$dir/data" -m immediate -w -t 60 stop >/dev/null 2>&1 || true
    fi
    ;;
*)
    echo "usage: $0 start DIR PORT [--durable] | stop DIR" >&2
    exit 2
    ;;
esac
