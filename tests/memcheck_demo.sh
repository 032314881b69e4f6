#!/bin/sh
# memcheck_demo.sh - the demo round of `make memcheck`: ingestd, evaluatord and alertd under
# valgrind's memcheck while the plan is replayed 2022 -> 2026 from deploy/demo/feeds, exactly as
# deploy/demo/demo.sh does it (same feeds, same dates, same clock moves, each unit's own key,
# planctl pipeline wait after every date, the office stream followed by planctl alerts tail);
# then planctl status, alerts list, history and report under valgrind too. At the end the
# services get SIGTERM; each must exit 0 with no memcheck error and nothing definitely lost.
#
# It never touches the demo: its own PostgreSQL cluster (MEMCHECK_DIR/pg, port MEMCHECK_PG_PORT,
# default 18532), its own keys (MEMCHECK_DIR/certs), its own loopback ports (MEMCHECK_PORT_BASE,
# default 18800 -> 18801-18815). Settings are deploy/planwatch.env's, but for those. Valgrind's
# reports: MEMCHECK_DIR/valgrind/<program>.<pid>.log. VALGRIND (exported by the Makefile) is the
# valgrind command with its options.
set -eu

top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top"
bin=${PLANWATCH_BIN:-$top/bin}
work=${MEMCHECK_DIR:-$top/var/memcheck}
base=${MEMCHECK_PORT_BASE:-18800}
vg=${VALGRIND:-valgrind --tool=memcheck --leak-check=full --show-leak-kinds=definite \
--errors-for-leak-kinds=definite --error-exitcode=99 --num-callers=40 \
--suppressions=$top/tests/valgrind.supp}
PLAN_PG_DIR=$work/pg
PLAN_PG_PORT=${MEMCHECK_PG_PORT:-18532}
export PLAN_PG_DIR PLAN_PG_PORT
started=$(date +%s)

mkdir -p "$work"
rm -rf "$work/valgrind" "$work/log" "$work/certs"
mkdir -p "$work/valgrind" "$work/log"

# The store, fresh.
deploy/db.sh start postgres >/dev/null
PGOPTIONS='-c client_min_messages=warning' deploy/db.sh psql -d postgres \
    -c 'DROP DATABASE IF EXISTS planwatch_memcheck WITH (FORCE)' >/dev/null
deploy/db.sh start planwatch_memcheck >/dev/null
DATABASE_URL=$(deploy/db.sh url planwatch_memcheck)
export DATABASE_URL
"$bin/planctl" migrate >/dev/null
"$bin/planctl" plan load deploy/plan >/dev/null
"$bin/planctl" clock set 2022-03-01 >/dev/null
CERT_DIR=$work/certs PLANWATCH_BIN=$bin deploy/certs.sh >/dev/null

# The services' settings: deploy/planwatch.env, on ports and keys of our own.
set -a
# shellcheck source=../deploy/planwatch.env
. "$top/deploy/planwatch.env"
set +a
export INGEST_ENDPOINT=tcp://127.0.0.1:$((base + 1))
export INGEST_CHANGES_ENDPOINT=tcp://127.0.0.1:$((base + 2))
export INGEST_CONTROL_ENDPOINT=tcp://127.0.0.1:$((base + 11))
export INGEST_CERT=$work/certs/server/server.cert_secret
export INGEST_CLIENTS_DIR=$work/certs/clients
export EVAL_INGEST_ENDPOINT=$INGEST_CHANGES_ENDPOINT
export EVAL_PUB_ENDPOINT=tcp://127.0.0.1:$((base + 3))
export EVAL_CONTROL_ENDPOINT=tcp://127.0.0.1:$((base + 13))
export ALERT_EVAL_ENDPOINT=$EVAL_PUB_ENDPOINT
export ALERT_PUB_ENDPOINT=tcp://127.0.0.1:$((base + 4))
export ALERT_SNAPSHOT_ENDPOINT=tcp://127.0.0.1:$((base + 5))
export ALERT_CONTROL_ENDPOINT=tcp://127.0.0.1:$((base + 15))
# A service under valgrind runs 20-50 times slower: the dead man's switch would take that
# for a dead evaluator.
export ALERT_DEADMAN_SECONDS=0

pids=""
stop_all()
{
    for p in $pids; do kill -TERM "$p" 2>/dev/null || true; done
}
trap stop_all EXIT INT TERM

for s in ingestd evaluatord alertd; do
    # shellcheck disable=SC2086
    $vg --log-file="$work/valgrind/$s.%p.log" "$bin/$s" 2>>"$work/log/$s.log" &
    pids="$pids $!"
    eval "pid_$s=$!"
done
for s in ingestd evaluatord alertd; do
    i=0
    until "$bin/$s" --ping >/dev/null 2>&1; do
        i=$((i + 1))
        if [ $i -ge 600 ]; then
            echo "memcheck: $s under valgrind does not answer --ping; see $work/log/$s.log" >&2
            exit 1
        fi
        sleep 0.2
    done
done
echo "memcheck: ingestd, evaluatord, alertd up under valgrind ($(($(date +%s) - started)) s)"

"$bin/planctl" alerts tail >"$work/alerts.txt" 2>"$work/log/tail.log" &
tail_pid=$!
pids="$pids $tail_pid"

# The replay: every date a feed arrives on, and every checkpoint (deploy/demo/demo.sh).
dates=$( (ls deploy/demo/feeds | cut -c1-10; grep -v '^#' deploy/demo/checkpoints.txt | cut -c1-10) |
    sort -u)
pushed=0
for date in $dates; do
    "$bin/planctl" clock set "$date" >/dev/null
    for file in deploy/demo/feeds/"$date"_*.csv; do
        [ -f "$file" ] || continue
        unit=$(basename "$file" .csv | cut -d_ -f2-)
        unit=${unit%_correction}
        unit=${unit%_milestone}
        PLANCTL_CERT="$work/certs/units/$unit.cert_secret" \
            PLANCTL_SERVER_CERT="$work/certs/server/server.cert" \
            PLANCTL_INGEST_ENDPOINT="$INGEST_ENDPOINT" PLANCTL_FEED_TIMEOUT_MS=120000 \
            "$bin/planctl" feed push "$file" >>"$work/log/push.txt" 2>&1 || true
        pushed=$((pushed + 1))
    done
    if ! "$bin/planctl" pipeline wait --timeout 900 >/dev/null; then
        echo "memcheck: the pipeline did not catch up on $date" >&2
        "$bin/planctl" pipeline status >&2
        exit 1
    fi
done
echo "memcheck: $pushed feeds over $(echo "$dates" | wc -l) dates replayed" \
    "($(($(date +%s) - started)) s); the office stream got $(wc -l <"$work/alerts.txt") lines"

# The office's commands, under valgrind as well.
for args in "status" "status --as-of 2024-06-30" "alerts list" "history 430000 HTE_COUNT 2024" \
    "report --out $work/bulletin.html"; do
    # shellcheck disable=SC2086
    $vg --log-file="$work/valgrind/planctl.%p.log" "$bin/planctl" $args >/dev/null \
        2>>"$work/log/planctl.log" || { echo "memcheck: planctl $args failed" >&2; exit 1; }
done

# SIGTERM: each finishes what it has in hand and exits; valgrind reports at the exit.
kill -TERM "$tail_pid" 2>/dev/null || true
fail=0
for s in ingestd evaluatord alertd; do
    eval "p=\$pid_$s"
    kill -TERM "$p"
    rc=0
    wait "$p" || rc=$?
    [ "$rc" -eq 0 ] || { echo "memcheck: $s exited with status $rc" >&2; fail=1; }
done
pids=""
trap - EXIT INT TERM
deploy/db.sh stop >/dev/null

# Every report: no error, nothing definitely lost.
for log in "$work"/valgrind/*.log; do
    name=$(basename "$log" .log)
    errors=$(sed -n 's/.*ERROR SUMMARY: \([0-9]*\) errors.*/\1/p' "$log")
    lost=$(sed -n 's/.*definitely lost: \([0-9,]*\) bytes.*/\1/p' "$log")
    echo "== valgrind $name: errors ${errors:-?}, definitely lost ${lost:-0} bytes"
    if [ "${errors:-1}" != 0 ] || { [ -n "$lost" ] && [ "$lost" != 0 ]; }; then
        fail=1
        grep -A25 -m3 -E '^==[0-9]+== (Invalid|Conditional|Syscall|Mismatched|Source|.*definitely)' \
            "$log" || true
    fi
done
echo "memcheck: demo round under valgrind in $(($(date +%s) - started)) s"
if [ "$fail" -ne 0 ]; then
    echo "memcheck: the demo round under valgrind FAILED (reports in $work/valgrind)" >&2
    exit 1
fi
