#!/bin/sh
# memcheck_demo.sh - the demo round of `make memcheck`: ingestd, evaluatord and alertd under
# valgrind's memcheck while the plan is replayed 2022 -> 2026 from deploy/demo/feeds, exactly as
# deploy/demo/demo.sh does it (same feeds, same dates, same clock moves, each unit's own key,
# planctl pipeline wait after every date, the office stream followed by planctl alerts tail);
# then planctl status, alerts list, history and report under valgrind too, and three feed pushes
# (the round's first, the correction, and the first again, answered "already received"). At the
# end the services get SIGTERM; each must exit 0 with no memcheck error and nothing definitely
# lost; and the round must have happened in full:
#
# A normal round (make demo, and this one with the services under valgrind, November 2026)
# accepts all 116 feeds in full: 1091 rows, 1081 figures and 10 milestone reports; the store
# then holds 119 statuses, 468 status changes, 230 alerts and 373 notifications on the office
# stream, and planctl alerts tail prints all 373. Required here:
#   - every feed of deploy/demo/feeds accepted with every row (counted from the files), and as
#     many observation and milestone_report rows in the store;
#   - statuses, status changes, alerts and stream notifications at least MIN_* below, about 90%
#     of a normal round's: revising the catalog (a projection, a responsible unit) moves a few,
#     a service that stopped judging or alerting part of the way moves many;
#   - planctl alerts tail has printed every notification of the stream.
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
# The least a round must leave in the store (a normal round: 119, 468, 230, 373; see above).
MIN_STATUS=110
MIN_STATUS_CHANGES=420
MIN_ALERTS=200
MIN_STREAM=340

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

# push_feed FILE COMMAND...: one feed push as the unit the file name says, by COMMAND (planctl,
# or valgrind and planctl). A push counts as accepted when planctl exits 0 and the receipt's
# first line says how many rows were accepted and none rejected; rows is that number.
pushed=0
accepted=0
accepted_rows=0
push_feed()
{
    file=$1
    shift
    unit=$(basename "$file" .csv | cut -d_ -f2-)
    unit=${unit%_correction}
    unit=${unit%_milestone}
    rc=0
    PLANCTL_CERT="$work/certs/units/$unit.cert_secret" \
        PLANCTL_SERVER_CERT="$work/certs/server/server.cert" \
        PLANCTL_INGEST_ENDPOINT="$INGEST_ENDPOINT" PLANCTL_FEED_TIMEOUT_MS=120000 \
        "$@" feed push "$file" >"$work/log/push.last" 2>&1 || rc=$?
    cat "$work/log/push.last" >>"$work/log/push.txt"
    rows=$(sed -n 's/^回执 receipt: 已接收 accepted \([0-9]*\) 行，退回 rejected 0 行.*/\1/p' \
        "$work/log/push.last")
    if [ "$rc" -eq 0 ] && [ -n "$rows" ]; then
        accepted=$((accepted + 1))
        accepted_rows=$((accepted_rows + rows))
    else
        rows=0
        echo "memcheck: planctl feed push $file: exit $rc: $(head -1 "$work/log/push.last")" >&2
    fi
}

# The replay: every date a feed arrives on, and every checkpoint (deploy/demo/demo.sh). The
# round's first feed and the correction are pushed by planctl under valgrind.
dates=$( (ls deploy/demo/feeds | cut -c1-10; grep -v '^#' deploy/demo/checkpoints.txt | cut -c1-10) |
    sort -u)
first=""
for date in $dates; do
    "$bin/planctl" clock set "$date" >/dev/null
    for file in deploy/demo/feeds/"$date"_*.csv; do
        [ -f "$file" ] || continue
        if [ -z "$first" ] || [ "${file%_correction.csv}" != "$file" ]; then
            # shellcheck disable=SC2086
            push_feed "$file" $vg --log-file="$work/valgrind/planctl-push.%p.log" "$bin/planctl"
            first=${first:-$file}
        else
            push_feed "$file" "$bin/planctl"
        fi
        pushed=$((pushed + 1))
    done
    if ! "$bin/planctl" pipeline wait --timeout 900 >/dev/null; then
        echo "memcheck: the pipeline did not catch up on $date" >&2
        "$bin/planctl" pipeline status >&2
        exit 1
    fi
done
echo "memcheck: $pushed feeds over $(echo "$dates" | wc -l) dates replayed" \
    "($(($(date +%s) - started)) s); the office stream got" \
    "$(grep -c '^#[0-9]* ' "$work/alerts.txt" || true) notifications"

# The first feed again, under valgrind: answered "already received", nothing written twice (not
# counted: the store's rows are checked against the files below).
was_accepted=$accepted
was_rows=$accepted_rows
# shellcheck disable=SC2086
push_feed "$first" $vg --log-file="$work/valgrind/planctl-push.%p.log" "$bin/planctl"
if [ "$accepted" -ne $((was_accepted + 1)) ] ||
    ! grep -q '^回执 receipt: .*此前已接收 already received' "$work/log/push.last"; then
    echo "memcheck: the second push of $first was not answered \"already received\"" >&2
    exit 1
fi
accepted=$was_accepted
accepted_rows=$was_rows

# The office's commands, under valgrind as well.
for args in "status" "status --as-of 2024-06-30" "alerts list" "history 430000 HTE_COUNT 2024" \
    "report --out $work/bulletin.html"; do
    # shellcheck disable=SC2086
    $vg --log-file="$work/valgrind/planctl.%p.log" "$bin/planctl" $args >/dev/null \
        2>>"$work/log/planctl.log" || { echo "memcheck: planctl $args failed" >&2; exit 1; }
done

# How much of the round happened: the feeds (against the files), the store, the office stream.
files=$(ls deploy/demo/feeds/*.csv | wc -l)
want_rows=$(awk 'FNR > 1 && NF' deploy/demo/feeds/*.csv | wc -l)
want_milestones=$(awk 'FNR > 1 && NF' deploy/demo/feeds/*_milestone.csv | wc -l)
counts=$(deploy/db.sh psql -d planwatch_memcheck -Atc "SELECT (SELECT count(*) FROM observation)
    || ' ' || (SELECT count(*) FROM milestone_report) || ' ' || (SELECT count(*) FROM status)
    || ' ' || (SELECT count(*) FROM status_change) || ' ' || (SELECT count(*) FROM alert)
    || ' ' || (SELECT count(*) FROM alert_stream)") || counts=""
# shellcheck disable=SC2086
set -- $counts
observations=${1:-} milestones=${2:-} statuses=${3:-} changes=${4:-} alerts=${5:-} stream=${6:-}
# The clerk's terminal may still be printing the last notifications.
i=0
while [ "$(grep -c '^#[0-9]* ' "$work/alerts.txt" || true)" -lt "${stream:-0}" ] && [ $i -lt 60 ]; do
    i=$((i + 1))
    sleep 1
done
tailed=$(grep -c '^#[0-9]* ' "$work/alerts.txt" || true)
short=0
# expect WHAT GOT LEAST: one line; short=1 when GOT is below LEAST or no number.
expect()
{
    if [ -n "$2" ] && [ "$2" -eq "$2" ] 2>/dev/null && [ "$2" -ge "$3" ]; then
        echo "== round: $1 $2 (at least $3)"
    else
        echo "memcheck: round: $1 ${2:-unknown}, fewer than $3" >&2
        short=1
    fi
}
expect "feeds accepted in full" "$accepted" "$files"
expect "rows accepted" "$accepted_rows" "$want_rows"
expect "observation rows" "$observations" "$((want_rows - want_milestones))"
expect "milestone_report rows" "$milestones" "$want_milestones"
expect "statuses" "$statuses" "$MIN_STATUS"
expect "status changes" "$changes" "$MIN_STATUS_CHANGES"
expect "alerts" "$alerts" "$MIN_ALERTS"
expect "notifications on the office stream" "$stream" "$MIN_STREAM"
expect "notifications planctl alerts tail printed" "$tailed" "${stream:-1}"

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
push_logs=$(ls "$work"/valgrind/planctl-push.*.log 2>/dev/null | wc -l)
if [ "$push_logs" -lt 3 ]; then
    echo "memcheck: $push_logs valgrind reports of planctl feed push, 3 expected" >&2
    fail=1
fi
echo "memcheck: demo round under valgrind in $(($(date +%s) - started)) s"
if [ "$short" -ne 0 ]; then
    echo "memcheck: the demo round under valgrind fell SHORT (counts above, logs in $work/log)" >&2
    fail=1
fi
if [ "$fail" -ne 0 ]; then
    echo "memcheck: the demo round under valgrind FAILED (reports in $work/valgrind)" >&2
    exit 1
fi
