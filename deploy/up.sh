#!/bin/sh
# up.sh - the docker-compose configuration as local processes, for machines without a Docker
# engine (ours) and for the end-to-end tests: the same env files, the same commands, the same
# one-shot migration step, the same restart policy (a service that dies is started again after a
# second, like `restart: unless-stopped`), the same health checks.
#
#   deploy/up.sh up           store, migrations + plan, ingestd, evaluatord, alertd; waits until
#                             healthy
#   deploy/up.sh down         stops the three services (SIGTERM: each finishes the message in hand)
#   deploy/up.sh status       one line per service
#   deploy/up.sh env SERVICE  prints the environment SERVICE (ingestd, evaluatord, alertd, migrate)
#                             is started with, sorted, DATABASE_URL's value hidden
#
# Each service starts with a clean environment, nothing of the caller's: the variables of
# deploy/planwatch.env (env_file of every service in docker-compose.yml), for alertd also those
# of .env if it exists (its env_file: the webhook and SMTP secrets receivers.csv names), then
# DATABASE_URL, PATH and HOME. The differences from docker-compose.yml: DATABASE_URL is the
# exported one, else the private cluster under var/ (deploy/db.sh); PATH is Debian's default and
# HOME the caller's (the image sets its own PATH, HOME /opt/planwatch, and PLAN_DIR and
# MIGRATIONS_DIR to its /opt/planwatch copies: here their defaults, deploy/plan and
# deploy/migrations of the checkout, are the same files); files are found relative to the
# checkout instead of /opt/planwatch.
# Logs: var/log/<service>.log.
set -eu

top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top"
bin=${PLANWATCH_BIN:-$top/bin}
run=$top/var/run
logs=$top/var/log
services="ingestd evaluatord alertd"

# For up.sh's own checks (INGEST_CERT); the services get the file through clean_exec.
# shellcheck source=planwatch.env
. "$top/deploy/planwatch.env"
if [ -z "${DATABASE_URL:-}" ]; then
    DATABASE_URL=$("$top/deploy/db.sh" url planwatch)
    export DATABASE_URL
    private=1
else
    private=0
fi

# clean_exec SERVICE CMD...: replaces this shell by CMD with the environment docker-compose.yml
# gives SERVICE and nothing else (env_file entries are read as compose's dotenv reader reads them
# for plain NAME=value lines; a later file wins; DATABASE_URL, like compose's `environment`, wins
# over both). Run in the background, the process keeps the pid $! names, so signals reach it.
clean_exec()
{
    svc=$1
    shift
    dotenv=
    if [ "$svc" = alertd ] && [ -f "$top/.env" ]; then
        dotenv=$top/.env
    fi
    # The files are read, not sourced: a secret such as TOKEN=a&b;c is taken literally, as
    # compose takes it, never run; like compose, quotes around a whole value are dropped.
    exec env -i PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin HOME="${HOME:-/}" \
        /bin/sh -c 'q=$(printf "\047")
            for f in "$1" "$2"; do
                [ -n "$f" ] || continue
                while IFS= read -r line || [ -n "$line" ]; do
                    case $line in [A-Za-z_]*=*) ;; *) continue ;; esac
                    value=${line#*=}
                    case $value in
                    \"*\") value=${value#\"}; value=${value%\"} ;;
                    "$q"*"$q") value=${value#"$q"}; value=${value%"$q"} ;;
                    esac
                    export "${line%%=*}=$value"
                done <"$f"
            done
            export DATABASE_URL="$3"; unset PWD; shift 3; exec "$@"' \
        clean_exec "$top/deploy/planwatch.env" "$dotenv" "$DATABASE_URL" "$@"
}

# run_clean SERVICE CMD...: clean_exec in a subshell, for commands up.sh waits for.
run_clean() { (clean_exec "$@"); }

# supervise NAME: runs the service again whenever it exits, until var/run/NAME.stop appears.
# The supervisor takes no signal itself: `down` signals the service, so that `wait` here returns
# the service's own exit status, which is logged.
supervise()
{
    name=$1
    rm -f "$run/$name.stop" "$run/$name.signalled"
    (
        while [ ! -f "$run/$name.stop" ]; do
            clean_exec "$name" "$bin/$name" >>"$logs/$name.log" 2>&1 &
            child=$!
            echo "$child" >"$run/$name.pid"
            rc=0
            wait "$child" || rc=$?
            if [ -f "$run/$name.stop" ]; then
                echo "up: $name stopped, exit status $rc" >>"$logs/$name.log"
                break
            fi
            echo "up: $name exited with status $rc; restarting in 1 s" >>"$logs/$name.log"
            sleep 1
        done
        rm -f "$run/$name.pid"
    ) </dev/null >/dev/null 2>&1 &
    echo $! >"$run/$name.supervisor"
}

s_alive() { [ -f "$run/$1.supervisor" ] && kill -0 "$(cat "$run/$1.supervisor")" 2>/dev/null; }

s_up()
{
    mkdir -p "$run" "$logs"
    if [ ! -f "$INGEST_CERT" ]; then
        echo "up: no server certificate at $INGEST_CERT; run 'make certs' first" >&2
        exit 2
    fi
    [ "$private" = 1 ] && "$top/deploy/db.sh" start planwatch >/dev/null
    # the one-shot step of docker-compose.yml (service 'migrate')
    run_clean migrate "$bin/planctl" migrate >/dev/null
    run_clean migrate "$bin/planctl" plan load deploy/plan >/dev/null
    for s in $services; do
        if s_alive "$s"; then
            echo "up: $s already running"
        else
            supervise "$s"
        fi
    done
    # healthy when every --ping answers (the compose healthchecks run the same command)
    for s in $services; do
        i=0
        until run_clean "$s" "$bin/$s" --ping >/dev/null 2>&1; do
            i=$((i + 1))
            if [ $i -ge 100 ]; then
                echo "up: $s does not answer --ping; see $logs/$s.log" >&2
                exit 1
            fi
            sleep 0.1
        done
    done
    echo "up: ingestd evaluatord alertd healthy (logs in var/log/)"
}

s_down()
{
    for s in $services; do
        s_alive "$s" && touch "$run/$s.stop"
    done
    # SIGTERM once to each process the supervisors run (a service restarting as we stop gets
    # its own): each finishes the message in hand and exits 0.
    i=0
    while [ $i -lt 150 ]; do
        alive=0
        for s in $services; do
            s_alive "$s" || continue
            alive=1
            pid=$(cat "$run/$s.pid" 2>/dev/null || true)
            if [ -n "$pid" ] && [ "$pid" != "$(cat "$run/$s.signalled" 2>/dev/null || true)" ]; then
                kill -TERM "$pid" 2>/dev/null || true
                echo "$pid" >"$run/$s.signalled"
            fi
        done
        [ $alive = 1 ] || break
        sleep 0.1
        i=$((i + 1))
    done
    for s in $services; do
        if s_alive "$s"; then
            echo "up: $s did not stop in 15 s; killing it" >&2
            [ -f "$run/$s.pid" ] && kill -KILL "$(cat "$run/$s.pid")" 2>/dev/null || true
            kill -KILL "$(cat "$run/$s.supervisor")" 2>/dev/null || true
        fi
        rm -f "$run/$s.supervisor" "$run/$s.pid" "$run/$s.stop" "$run/$s.signalled"
    done
    echo "up: services stopped (the store keeps running; make db-stop stops it)"
}

s_status()
{
    rc=0
    for s in $services; do
        if s_alive "$s" && run_clean "$s" "$bin/$s" --ping >/dev/null 2>&1; then
            echo "$s: healthy (pid $(cat "$run/$s.pid" 2>/dev/null || echo '?'))"
        elif s_alive "$s"; then
            echo "$s: starting or unhealthy"
            rc=1
        else
            echo "$s: stopped"
            rc=1
        fi
    done
    return $rc
}

case "${1:-}" in
up) s_up ;;
down) s_down ;;
status) s_status ;;
env)
    case "${2:-}" in
    ingestd | evaluatord | alertd | migrate) ;;
    *)
        echo "usage: $0 env ingestd|evaluatord|alertd|migrate" >&2
        exit 2
        ;;
    esac
    run_clean "$2" env | sed 's/^DATABASE_URL=.*/DATABASE_URL=(set)/' | LC_ALL=C sort
    ;;
*)
    echo "usage: $0 up|down|status|env SERVICE" >&2
    exit 2
    ;;
esac
