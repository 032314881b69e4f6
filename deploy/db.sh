#!/bin/sh
# db.sh - the private PostgreSQL 15 cluster under var/ that development, tests and the demo use
# when DATABASE_URL is not set.
#
#   deploy/db.sh start [DB...]   initdb on first use, start, create the databases (idempotent)
#   deploy/db.sh stop            fast shutdown (idempotent)
#   deploy/db.sh restart         stop and start again (the chaos run uses it)
#   deploy/db.sh status          exit 0 when running
#   deploy/db.sh url [DB]        print the libpq URL of a database (default: planwatch)
#
# The cluster listens on a unix socket only (listen_addresses = ''), with trust authentication on
# that socket and nothing else. PostgreSQL refuses to run as root, so under root the server runs as
# the 'postgres' system user that Debian's postgresql-common creates.
set -eu

top=$(cd "$(dirname "$0")/.." && pwd)
port=${PLAN_PG_PORT:-54329}
# PLAN_PG_DIR puts the cluster elsewhere (the cluster's own test starts a second one there).
pgdir=${PLAN_PG_DIR:-$top/var/pg}
pgbin=/usr/lib/postgresql/15/bin
[ -x "$pgbin/initdb" ] || pgbin=$(dirname "$(command -v initdb)")

# as_owner CMD...: run a command as the user that owns the cluster
as_owner()
{
    if [ "$(id -u)" = 0 ]; then
        runuser -u postgres -- "$@"
    else
        "$@"
    fi
}

# The cluster lives in var/pg. When its owner cannot reach the checkout (a clone under /root, say)
# or the socket path would exceed the 107 bytes a unix socket allows, var/pg is a symlink to a
# directory under /var/tmp named after the checkout.
s_prepare_dir()
{
    parent=$(dirname "$pgdir")
    mkdir -p "$parent"
    [ -e "$pgdir" ] && return 0
    want="$pgdir"
    if [ "$(id -u)" = 0 ] && ! runuser -u postgres -- test -x "$parent"; then
        want=""
    fi
    if [ ${#pgdir} -gt 80 ]; then
        want=""
    fi
    if [ -z "$want" ]; then
        hash=$(printf '%s' "$pgdir" | md5sum | cut -c1-12)
        alt="/var/tmp/planwatch-pg-$hash"
        mkdir -p "$alt"
        ln -s "$alt" "$pgdir"
    else
        mkdir -p "$want"
    fi
    if [ "$(id -u)" = 0 ]; then
        chown postgres:postgres "$(readlink -f "$pgdir")"
    fi
    chmod 700 "$(readlink -f "$pgdir")"
}

dir() { readlink -f "$pgdir"; }

s_running()
{
    [ -f "$(dir)/data/postmaster.pid" ] && as_owner "$pgbin/pg_ctl" -D "$(dir)/data" status >/dev/null 2>&1
}

s_psql()
{
    "$pgbin/psql" -X -q -v ON_ERROR_STOP=1 -h "$(dir)" -p "$port" -U postgres "$@"
}

s_start()
{
    s_prepare_dir
    d=$(dir)
    if [ ! -f "$d/data/PG_VERSION" ]; then
        echo "db: initdb $d/data"
        as_owner "$pgbin/initdb" -D "$d/data" -U postgres -E UTF8 --locale=C.UTF-8 \
            --auth-local=trust --auth-host=reject >"$d/initdb.log" 2>&1 ||
            { cat "$d/initdb.log" >&2; exit 1; }
        cat >>"$d/data/postgresql.conf" <<EOF
# planwatch private cluster: unix socket only
listen_addresses = ''
unix_socket_directories = '$d'
port = $port
max_connections = 200
log_min_messages = warning
EOF
    fi
    if ! s_running; then
        echo "db: starting PostgreSQL on socket $d port $port"
        as_owner "$pgbin/pg_ctl" -D "$d/data" -l "$d/server.log" -w -t 60 start >/dev/null ||
            { tail -20 "$d/server.log" >&2; exit 1; }
    fi
    [ $# -gt 0 ] || set -- planwatch
    for db in "$@"; do
        if [ -z "$(s_psql -d postgres -tAc "SELECT 1 FROM pg_database WHERE datname = '$db'")" ]; then
            s_psql -d postgres -c "CREATE DATABASE \"$db\"" && echo "db: created database $db"
        fi
    done
}

s_stop()
{
    [ -e "$pgdir" ] || return 0
    if s_running; then
        as_owner "$pgbin/pg_ctl" -D "$(dir)/data" -m fast -w stop >/dev/null && echo "db: stopped"
    fi
}

cmd=${1:-status}
[ $# -gt 0 ] && shift
case "$cmd" in
start) s_start "$@" ;;
stop) s_stop ;;
restart)
    s_stop
    s_start "$@"
    ;;
status) s_running ;;
url) echo "postgresql:///${1:-planwatch}?host=$(s_prepare_dir && dir)&port=$port&user=postgres" ;;
psql) s_psql "$@" ;;
*)
    echo "usage: $0 start|stop|restart|status|url [DB]|psql ARGS" >&2
    exit 2
    ;;
esac
