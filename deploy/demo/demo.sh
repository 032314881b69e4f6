#!/bin/sh
# demo.sh - `make demo`: the supervision office's view of 湖南省动力支撑能力提升行动方案, replayed
# from 2022 to 2026 with the sample feeds of deploy/demo/feeds (示例数据: plausible figures, not
# official statistics; see deploy/demo/README.md for the story they tell).
#
# It resets the private store's 'planwatch' database, makes CURVE keys for every reporting unit,
# starts ingestd, evaluatord and alertd exactly as `make up` does, then moves the store's clock
# through the dates of deploy/demo/feeds and deploy/demo/checkpoints.txt: on each date it pushes
# that day's feeds with each unit's own key (planctl feed push), waits until the pipeline has
# caught up (planctl pipeline wait) and prints what the office's stream delivered
# (planctl alerts tail, running all along as a clerk's terminal would). At the end it prints
# the status of every target, stops the services and leaves the store running.
set -eu

top=$(cd "$(dirname "$0")/../.." && pwd)
cd "$top"
bin=$top/bin
work=$top/var/demo

if [ -n "${DATABASE_URL:-}" ]; then
    echo "demo: DATABASE_URL is set; the demo resets its store, so it only runs on the private" \
        "cluster under var/. Unset DATABASE_URL and run make demo again." >&2
    exit 2
fi
if [ -t 1 ]; then
    bold=$(printf '\033[1m') dim=$(printf '\033[2m') off=$(printf '\033[0m')
else
    bold='' dim='' off=''
fi
step() { printf '\n%s== %s%s\n' "$bold" "$*" "$off"; }
note() { printf '%s   %s%s\n' "$dim" "$*" "$off"; }

started=$(date +%s)
step "准备：私有数据库、迁移、方案目录、各报送单位的 CURVE 密钥"
deploy/up.sh down >/dev/null 2>&1 || true
deploy/db.sh start planwatch >/dev/null
deploy/db.sh psql -d postgres -c 'DROP DATABASE IF EXISTS planwatch WITH (FORCE)' >/dev/null
deploy/db.sh start planwatch >/dev/null
DATABASE_URL=$(deploy/db.sh url planwatch)
export DATABASE_URL
"$bin/planctl" migrate >/dev/null
"$bin/planctl" plan load deploy/plan
"$bin/planctl" clock set 2022-03-01 >/dev/null
deploy/certs.sh

step "启动 ingestd、evaluatord、alertd（与 docker-compose.yml 相同的配置，见 deploy/planwatch.env）"
deploy/up.sh up
rm -rf "$work"
mkdir -p "$work"
# The office's terminal: every alert as the supervision office receives it, live.
"$bin/planctl" alerts tail >"$work/alerts.txt" 2>"$work/tail.log" &
tail_pid=$!
trap 'kill "$tail_pid" 2>/dev/null || true' EXIT
shown=0

# show_alerts: prints what the office's stream received since the last call: the headline of
# each new alert, and a count of the reminders of alerts still open (the full text of every
# alert, as `planctl alerts tail` shows it, is in var/demo/alerts.txt).
show_alerts()
{
    sleep 0.3
    lines=$(wc -l <"$work/alerts.txt")
    [ "$lines" -gt "$shown" ] || return 0
    tail -n +"$((shown + 1))" "$work/alerts.txt" | head -n "$((lines - shown))" | awk '
        /^#[0-9]+ / {
            reminder = ($0 ~ /·提醒/)
            escalated = ($0 ~ /已升级/)
            if (reminder) reminders++
            next
        }
        /^ +【/ && !reminder {
            sub(/^ +/, "")
            print (escalated ? "   督查室、领导小组办公室 ← （升级）" : "   督查室 ← ") $0
        }
        END { if (reminders) print "   督查室 ← 另有 " reminders " 条未确认的逾期告警按工作日定期重复提醒" }'
    shown=$lines
}

# The replay: every date a feed arrives on, and every checkpoint.
dates=$( (ls deploy/demo/feeds | cut -c1-10; grep -v '^#' deploy/demo/checkpoints.txt | cut -c1-10) |
    sort -u)
for date in $dates; do
    caption=$(grep "^$date " deploy/demo/checkpoints.txt | cut -d' ' -f2- || true)
    step "$date${caption:+  $caption}"
    "$bin/planctl" clock set "$date" >/dev/null
    for file in deploy/demo/feeds/"$date"_*.csv; do
        [ -f "$file" ] || continue
        unit=$(basename "$file" .csv | cut -d_ -f2-)
        unit=${unit%_correction}
        unit=${unit%_milestone}
        name=$(grep "^$unit," deploy/plan/resp_units.csv | cut -d, -f2)
        receipt=$(PLANCTL_CERT="deploy/certs/units/$unit.cert_secret" \
            PLANCTL_SERVER_CERT=deploy/certs/server/server.cert \
            "$bin/planctl" feed push "$file" 2>&1 | grep -m1 -e '已接收' -e 'error' -e '错误') || true
        note "$name 报送 $(basename "$file")：${receipt#"${receipt%%[! ]*}"}"
    done
    "$bin/planctl" pipeline wait --timeout 60 >/dev/null
    show_alerts
done

step "最终状态（截至 $("$bin/planctl" clock show | cut -d' ' -f4)）"
"$bin/planctl" status
kill "$tail_pid" 2>/dev/null || true
trap - EXIT

step "收尾"
deploy/up.sh down
echo "demo: $(wc -l <"$work/alerts.txt") alert lines received by the office in $(($(date +%s) - started)) s" \
    "(var/demo/alerts.txt)"
echo "demo: the store is still running; try:"
echo "  export DATABASE_URL='$DATABASE_URL'"
echo "  bin/planctl status --as-of 2024-06-30        # the plan as it stood then"
echo "  bin/planctl alerts list --open               # what is still open"
echo "  bin/planctl report --out var/demo/bulletin.html   # the bulletin 调度通报"
echo "  make db-stop                                 # stop the store"
