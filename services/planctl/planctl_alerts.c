/*  planctl_alerts.c - the supervision office: `planctl alerts tail|list|ack|silence` */
#include "planctl.h"

#include "bus.h"
#include "clock.h"
#include "db.h"
#include "text.h"

#include <czmq.h>
#include <getopt.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static const char s_usage[] =
    "usage: planctl alerts tail [--json] [--since SEQ] [--count N] [--timeout SECONDS]\n"
    "       planctl alerts list [--open] [--kind KIND] [--limit N] [--format table|json]\n"
    "       planctl alerts ack ID --by NAME [--note TEXT]\n"
    "       planctl alerts silence (--task T|--target T|--org ORG|--kind K)... --until DATE\n"
    "                              --reason TEXT [--by NAME]\n"
    "       planctl alerts silence --list | --expire ID\n"
    "       planctl alerts requeue (ID | --receiver NAME) [--by NAME] | --list\n"
    "tail reads ALERT_PUB_ENDPOINT (default tcp://127.0.0.1:7704) and ALERT_SNAPSHOT_ENDPOINT\n"
    "(default tcp://127.0.0.1:7705); the others read the store (DATABASE_URL).\n";

static const char *
s_kind_zh(const char *kind)
{
    static const char *const names[][2] = {
        {"OVERDUE", "逾期未完成"},      {"DUE_SOON", "临期提醒"}, {"OFF_TRACK", "预计难以完成"},
        {"REPORT_OVERDUE", "逾期未报"}, {"RESOLVED", "已解除"},   {"PIPELINE_DOWN", "评估服务失联"},
        {"DEAD_LETTER", "无法投递"},
    };
    for (size_t i = 0; kind && i < sizeof names / sizeof names[0]; i++)
        if (!strcmp(kind, names[i][0]))
            return names[i][1];
    return kind ? kind : "";
}

static void
s_who(char *buf, size_t size)
{
    if (getlogin_r(buf, size) != 0)
        snprintf(buf, size, "uid %d", (int)getuid());
}

// ---------------------------------------------------------------------------------------------
//  Prints unit names joined by 、, inferred ones marked.
static void
s_print_units(Planwatch__V1__UnitRef **units, size_t n)
{
    for (size_t i = 0; i < n; i++)
        printf("%s%s%s", i ? "、" : "", units[i]->name, units[i]->inferred ? "（推定）" : "");
}

//  tail: the office stream, Clone pattern

static json_t *
s_units_json(Planwatch__V1__UnitRef **units, size_t n)
{
    json_t *a = json_array();
    for (size_t i = 0; i < n; i++)
        json_array_append_new(a, json_pack("{s:s, s:s, s:b}", "code", units[i]->code, "name",
                                           units[i]->name, "inferred", units[i]->inferred));
    return a;
}

static void
s_print_alert(const Planwatch__V1__Alert *a, bool as_json)
{
    if (as_json) {
        json_t *evidence = json_loads(*a->evidence_json ? a->evidence_json : "{}", 0, NULL);
        json_t *o = json_pack(
            "{s:I, s:I, s:s, s:s, s:s, s:b, s:i, s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s,"
            " s:i, s:o, s:o, s:o, s:s, s:s}",
            "seq", (json_int_t)a->seq, "id", (json_int_t)a->id, "key", a->key, "kind", a->kind,
            "title", a->title, "reminder", a->reminder, "level", a->level, "task", a->task,
            "task_number", a->task_number, "task_title", a->task_title, "target", a->target,
            "target_text", a->target_text, "org", a->org, "org_name", a->org_name, "deadline",
            a->deadline, "value_text", a->value_text, "days_overdue", a->days_overdue, "lead_units",
            s_units_json(a->lead_units, a->n_lead_units), "co_units",
            s_units_json(a->co_units, a->n_co_units), "evidence",
            evidence ? evidence : json_object(), "notified_on", a->notified_on, "state", a->state);
        if (a->resolves)
            json_object_set_new(o, "resolves", json_integer((json_int_t)a->resolves));
        json_t *addressees = json_array();
        for (size_t i = 0; i < a->n_addressees; i++)
            json_array_append_new(addressees, json_string(a->addressees[i]));
        json_object_set_new(o, "addressees", addressees);
        if (a->reporting_unit && *a->reporting_unit->code)
            json_object_set_new(o, "reporting_unit",
                                json_pack("{s:s, s:s}", "code", a->reporting_unit->code, "name",
                                          a->reporting_unit->name));
        char *line = json_dumps(o, JSON_COMPACT);
        printf("%s\n", line);
        free(line);
        json_decref(o);
    } else {
        printf("#%llu %s %s%s%s 告警%llu\n  %s\n", (unsigned long long)a->seq, a->notified_on,
               s_kind_zh(a->kind), a->reminder ? "·提醒" : "", a->level > 0 ? "·已升级" : "",
               (unsigned long long)a->id, a->title);
        if (*a->value_text && strcmp(a->kind, "REPORT_OVERDUE"))
            printf("  完成情况：%s\n", a->value_text);
        //  as of this notification's day: a reminder says how late the task is now
        if (!strcmp(a->kind, "OVERDUE") && a->days_overdue > 0)
            printf("  逾期：截止 %s，截至 %s 已逾期 %d 天\n", a->deadline, a->notified_on,
                   a->days_overdue);
        if (a->reporting_unit && *a->reporting_unit->code)
            printf("  未报送单位：%s\n", a->reporting_unit->name);
        if (a->n_lead_units || a->n_co_units) {
            //  With no 牵头 unit the seed makes the listed units jointly responsible.
            if (a->n_lead_units) {
                printf("  牵头：");
                s_print_units(a->lead_units, a->n_lead_units);
                if (a->n_co_units)
                    printf("；责任：");
            } else
                printf("  责任（按职责分工负责）：");
            s_print_units(a->co_units, a->n_co_units);
            printf("\n");
        }
        if (a->n_addressees) {
            printf("  送达：");
            for (size_t i = 0; i < a->n_addressees; i++)
                printf("%s%s", i ? "、" : "", a->addressees[i]);
            printf("\n");
        }
    }
    fflush(stdout);
}

//  Fetches and prints every entry after *last (the newest `recent` when recent > 0).
//  Returns the number printed, -1 when alertd did not answer.
static int
s_snapshot(zsock_t *dealer, uint64_t *last, uint32_t recent, bool as_json, long *left)
{
    int printed = 0;
    for (;;) {
        Planwatch__V1__SnapshotRequest req = PLANWATCH__V1__SNAPSHOT_REQUEST__INIT;
        req.since_seq = *last;
        req.last = recent;
        recent = 0;
        if (bus_send(dealer, &req.base) != 0)
            return -1;
        bus_msg_t *reply = bus_recv(dealer, 0, 0);
        if (!reply || reply->error != BUS_OK ||
            reply->body->descriptor != &planwatch__v1__snapshot_reply__descriptor) {
            bus_msg_destroy(&reply);
            return -1;
        }
        const Planwatch__V1__SnapshotReply *r = (const Planwatch__V1__SnapshotReply *)reply->body;
        for (size_t i = 0; i < r->n_alerts && *left != 0; i++) {
            if (r->alerts[i]->seq <= *last)
                continue;
            s_print_alert(r->alerts[i], as_json);
            *last = r->alerts[i]->seq;
            printed++;
            if (*left > 0)
                (*left)--;
        }
        if (!r->n_alerts && r->last_seq > *last)
            *last = r->last_seq; //  the newest `recent` started later
        bool more = r->more && *left != 0;
        bus_msg_destroy(&reply);
        if (!more)
            return printed;
    }
}

static int
s_tail(int argc, char **argv)
{
    bool as_json = false;
    long since = -1, count = -1, timeout = -1;
    static const struct option options[] = {{"json", no_argument, NULL, 'j'},
                                            {"since", required_argument, NULL, 's'},
                                            {"count", required_argument, NULL, 'c'},
                                            {"timeout", required_argument, NULL, 't'},
                                            {NULL, 0, NULL, 0}};
    int opt;
    optind = 1;
    while ((opt = getopt_long(argc, argv, "", options, NULL)) != -1) {
        if (opt == 'j')
            as_json = true;
        else if (opt == 's')
            since = atol(optarg);
        else if (opt == 'c')
            count = atol(optarg);
        else if (opt == 't')
            timeout = atol(optarg);
        else {
            fputs(s_usage, stderr);
            return 2;
        }
    }
    const char *pub = getenv("ALERT_PUB_ENDPOINT"), *snap = getenv("ALERT_SNAPSHOT_ENDPOINT");
    char pub_addr[256], snap_addr[256];
    bus_connect_endpoint(pub && *pub ? pub : "tcp://127.0.0.1:7704", pub_addr, sizeof pub_addr);
    bus_connect_endpoint(snap && *snap ? snap : "tcp://127.0.0.1:7705", snap_addr,
                         sizeof snap_addr);
    zsys_init();
    zsys_set_logstream(NULL);
    zsock_t *sub = zsock_new(ZMQ_SUB), *dealer = zsock_new(ZMQ_DEALER);
    zsock_set_rcvtimeo(dealer, 5000);
    zsock_set_linger(dealer, 0);
    zsock_set_subscribe(sub, "planwatch.v1.Alert");
    zsock_set_subscribe(sub, "planwatch.v1.StreamHeartbeat");
    int rc = 0;
    if (zsock_connect(sub, "%s", pub_addr) != 0 || zsock_connect(dealer, "%s", snap_addr) != 0) {
        fprintf(stderr, "planctl alerts tail: bad endpoint %s / %s\n", pub_addr, snap_addr);
        rc = 2;
        goto cleanup;
    }
    //  Subscribe first, then take the snapshot: what the stream brings meanwhile is buffered and
    //  skipped up to the snapshot's end (Clone pattern).
    zclock_sleep(100);
    uint64_t last = since >= 0 ? (uint64_t)since : 0;
    if (s_snapshot(dealer, &last, since >= 0 ? 0 : 10, as_json, &count) < 0) {
        fprintf(stderr, "planctl alerts tail: alertd does not answer at %s\n", snap_addr);
        rc = 1;
        goto cleanup;
    }
    int64_t until = timeout >= 0 ? zclock_mono() + timeout * 1000 : INT64_MAX;
    zpoller_t *poller = zpoller_new(sub, NULL);
    while (count != 0 && !zsys_interrupted && zclock_mono() < until) {
        int64_t wait = until - zclock_mono();
        if (!zpoller_wait(poller, wait > 1000 ? 1000 : (int)wait))
            continue;
        bus_msg_t *msg = bus_recv(sub, 0, 0);
        if (!msg)
            break;
        uint64_t ahead = 0;
        if (msg->error == BUS_OK && msg->body->descriptor == &planwatch__v1__alert__descriptor) {
            const Planwatch__V1__Alert *a = (const Planwatch__V1__Alert *)msg->body;
            if (a->seq == last + 1) {
                s_print_alert(a, as_json);
                last = a->seq;
                if (count > 0)
                    count--;
            } else if (a->seq > last + 1)
                ahead = a->seq; //  a gap: fetch what was missed
        } else if (msg->error == BUS_OK &&
                   msg->body->descriptor == &planwatch__v1__stream_heartbeat__descriptor)
            ahead = ((const Planwatch__V1__StreamHeartbeat *)msg->body)->last_seq;
        bus_msg_destroy(&msg);
        if (ahead > last && s_snapshot(dealer, &last, 0, as_json, &count) < 0) {
            fprintf(stderr, "planctl alerts tail: lost alertd at %s\n", snap_addr);
            rc = 1;
            break;
        }
    }
    zpoller_destroy(&poller);
cleanup:
    zsock_destroy(&sub);
    zsock_destroy(&dealer);
    return rc;
}

// ---------------------------------------------------------------------------------------------
//  list, ack, silence: the store

static int
s_list(int argc, char **argv)
{
    bool open_only = false, as_json = false;
    const char *kind = NULL, *limit = "100";
    static const struct option options[] = {{"open", no_argument, NULL, 'o'},
                                            {"kind", required_argument, NULL, 'k'},
                                            {"limit", required_argument, NULL, 'l'},
                                            {"format", required_argument, NULL, 'f'},
                                            {NULL, 0, NULL, 0}};
    int opt;
    optind = 1;
    while ((opt = getopt_long(argc, argv, "", options, NULL)) != -1) {
        if (opt == 'o')
            open_only = true;
        else if (opt == 'k')
            kind = optarg;
        else if (opt == 'l' && atol(optarg) > 0)
            limit = optarg;
        else if (opt == 'f' && (!strcmp(optarg, "json") || !strcmp(optarg, "table")))
            as_json = !strcmp(optarg, "json");
        else {
            fputs(s_usage, stderr);
            return 2;
        }
    }
    PGconn *conn = planctl_db_connect();
    if (!conn)
        return 2;
    //  Days overdue as of alertd's today (the clock planctl clock set moves), or as of the day
    //  the alert was resolved: the stored title has no day count.
    day_t today;
    char day[DAY_TEXT_SIZE];
    clock_today(conn, NULL, &today);
    day_format(today, day);
    PGresult *res = db_query(
        conn,
        "SELECT * FROM (SELECT a.id, a.kind, a.state, a.level, a.raised_on::text,"
        " coalesce(k.acked_by, ''), a.title, a.task, a.target, a.org, a.deadline::text,"
        " a.value_text, a.lead_units::text, a.co_units::text, a.evidence::text, a.reminders,"
        " coalesce(a.resolves::text, ''), coalesce(k.note, ''), coalesce(k.acked_at::text, ''),"
        " CASE WHEN a.kind = 'OVERDUE' AND a.deadline IS NOT NULL THEN greatest(0,"
        "  coalesce(a.resolved_on, $4::date) - a.deadline) ELSE 0 END,"
        " array_to_string(a.addressees, ';')"
        " FROM alert a LEFT JOIN alert_ack k ON k.alert_id = a.id"
        " WHERE ($1 = 'f' OR a.state = 'open') AND ($2::text IS NULL OR a.kind = $2)"
        " ORDER BY a.id DESC LIMIT $3::int) x ORDER BY id",
        4, DB_PARAMS(open_only ? "t" : "f", kind, limit, day));
    if (!res) {
        PQfinish(conn);
        return 1;
    }
    int n = PQntuples(res);
    if (as_json) {
        json_t *array = json_array();
        for (int i = 0; i < n; i++) {
            json_t *o = json_pack(
                "{s:I, s:s, s:s, s:i, s:s, s:s, s:s, s:s, s:s, s:s, s:o, s:o, s:o, s:i}", "id",
                (json_int_t)atoll(PQgetvalue(res, i, 0)), "kind", PQgetvalue(res, i, 1), "state",
                PQgetvalue(res, i, 2), "level", atoi(PQgetvalue(res, i, 3)), "raised_on",
                PQgetvalue(res, i, 4), "title", PQgetvalue(res, i, 6), "task",
                PQgetvalue(res, i, 7), "target", PQgetvalue(res, i, 8), "org",
                PQgetvalue(res, i, 9), "deadline", PQgetvalue(res, i, 10), "lead_units",
                json_loads(PQgetvalue(res, i, 12), 0, NULL), "co_units",
                json_loads(PQgetvalue(res, i, 13), 0, NULL), "evidence",
                json_loads(PQgetvalue(res, i, 14), 0, NULL), "reminders",
                atoi(PQgetvalue(res, i, 15)));
            if (*PQgetvalue(res, i, 5))
                json_object_set_new(o, "ack",
                                    json_pack("{s:s, s:s, s:s}", "by", PQgetvalue(res, i, 5),
                                              "note", PQgetvalue(res, i, 17), "at",
                                              PQgetvalue(res, i, 18)));
            if (*PQgetvalue(res, i, 16))
                json_object_set_new(o, "resolves", json_integer(atoll(PQgetvalue(res, i, 16))));
            int days = atoi(PQgetvalue(res, i, 19));
            json_object_set_new(o, "days_overdue", json_integer(days));
            json_object_set_new(o, "value_text", json_string(PQgetvalue(res, i, 11)));
            json_t *addressees = json_array();
            char *list = strdup(PQgetvalue(res, i, 20)), *save = NULL;
            for (char *tok = list ? strtok_r(list, ";", &save) : NULL; tok;
                 tok = strtok_r(NULL, ";", &save))
                json_array_append_new(addressees, json_string(tok));
            free(list);
            json_object_set_new(o, "addressees", addressees);
            json_array_append_new(array, o);
        }
        char *text = json_dumps(array, JSON_INDENT(2));
        printf("%s\n", text);
        free(text);
        json_decref(array);
    } else {
        printf("%-6s %-14s %-9s %-10s %-10s ", "ID", "KIND", "STATE", "RAISED", "ACK");
        printf("%5s TITLE\n", "DAYS"); //  DAYS: overdue as of today (or the resolution)
        for (int i = 0; i < n; i++) {
            char title[512], ack[64], days[16] = "-";
            if (atoi(PQgetvalue(res, i, 19)) > 0)
                snprintf(days, sizeof days, "%s", PQgetvalue(res, i, 19));
            text_truncate(PQgetvalue(res, i, 6), 90, title, sizeof title);
            text_truncate(*PQgetvalue(res, i, 5) ? PQgetvalue(res, i, 5) : "-", 10, ack,
                          sizeof ack);
            printf("%-6s %-14s %-9s %-10s ", PQgetvalue(res, i, 0), PQgetvalue(res, i, 1),
                   atoi(PQgetvalue(res, i, 3)) ? "escalated" : PQgetvalue(res, i, 2),
                   PQgetvalue(res, i, 4));
            text_print_padded(stdout, ack, 10);
            printf(" %5s %s\n", days, title);
        }
        printf("alerts: %d shown%s\n", n, open_only ? " (open)" : "");
    }
    PQclear(res);
    PQfinish(conn);
    return 0;
}

static int
s_ack(int argc, char **argv)
{
    const char *by = NULL, *note = "";
    static const struct option options[] = {{"by", required_argument, NULL, 'b'},
                                            {"note", required_argument, NULL, 'n'},
                                            {NULL, 0, NULL, 0}};
    int opt;
    optind = 1;
    while ((opt = getopt_long(argc, argv, "", options, NULL)) != -1) {
        if (opt == 'b')
            by = optarg;
        else if (opt == 'n')
            note = optarg;
        else {
            fputs(s_usage, stderr);
            return 2;
        }
    }
    if (optind != argc - 1 || !by || !*by || atoll(argv[optind]) <= 0) {
        fputs(s_usage, stderr);
        return 2;
    }
    const char *id = argv[optind];
    PGconn *conn = planctl_db_connect();
    if (!conn)
        return 2;
    int rc = 1;
    char *exists =
        db_scalar(conn, "SELECT kind FROM alert WHERE id = $1::bigint", 1, DB_PARAMS(id));
    if (!exists)
        fprintf(stderr, "planctl alerts ack: no alert %s\n", id);
    else {
        char *done = db_scalar(conn,
                               "INSERT INTO alert_ack (alert_id, acked_by, note) VALUES"
                               " ($1::bigint, $2, $3) ON CONFLICT DO NOTHING RETURNING alert_id",
                               3, DB_PARAMS(id, by, note));
        if (done) {
            printf("alerts ack: alert %s (%s) acknowledged by %s; reminders and escalation stop\n",
                   id, s_kind_zh(exists), by);
            rc = 0;
        } else {
            char *prev = db_scalar(conn,
                                   "SELECT acked_by || ' at ' || acked_at::text FROM alert_ack"
                                   " WHERE alert_id = $1::bigint",
                                   1, DB_PARAMS(id));
            fprintf(stderr, "planctl alerts ack: alert %s was already acknowledged by %s\n", id,
                    prev ? prev : "?");
            free(prev);
        }
        free(done);
    }
    free(exists);
    PQfinish(conn);
    return rc;
}

static int
s_silence(int argc, char **argv)
{
    const char *task = NULL, *target = NULL, *org = NULL, *kind = NULL, *until = NULL,
               *reason = NULL, *by = NULL, *expire = NULL;
    bool list = false;
    static const struct option options[] = {
        {"task", required_argument, NULL, 't'},   {"target", required_argument, NULL, 'g'},
        {"org", required_argument, NULL, 'o'},    {"kind", required_argument, NULL, 'k'},
        {"until", required_argument, NULL, 'u'},  {"reason", required_argument, NULL, 'r'},
        {"by", required_argument, NULL, 'b'},     {"list", no_argument, NULL, 'l'},
        {"expire", required_argument, NULL, 'e'}, {NULL, 0, NULL, 0}};
    int opt;
    optind = 1;
    while ((opt = getopt_long(argc, argv, "", options, NULL)) != -1) {
        switch (opt) {
        case 't':
            task = optarg;
            break;
        case 'g':
            target = optarg;
            break;
        case 'o':
            org = optarg;
            break;
        case 'k':
            kind = optarg;
            break;
        case 'u':
            until = optarg;
            break;
        case 'r':
            reason = optarg;
            break;
        case 'b':
            by = optarg;
            break;
        case 'l':
            list = true;
            break;
        case 'e':
            expire = optarg;
            break;
        default:
            fputs(s_usage, stderr);
            return 2;
        }
    }
    day_t d;
    bool create = !list && !expire;
    if (optind != argc || (create && (!(task || target || org || kind) || !until ||
                                      day_parse(until, &d) != 0 || !reason || !*reason))) {
        fputs(s_usage, stderr);
        if (until && day_parse(until, &d) != 0)
            fprintf(stderr, "planctl alerts silence: --until '%s' is not YYYY-MM-DD\n", until);
        return 2;
    }
    PGconn *conn = planctl_db_connect();
    if (!conn)
        return 2;
    int rc = 0;
    if (list) {
        PGresult *res = db_query(
            conn,
            "SELECT id, coalesce(task, '*'), coalesce(target, '*'), coalesce(org, '*'),"
            " coalesce(kind, '*'), until::text, reason, created_by,"
            " CASE WHEN expired_at IS NOT NULL THEN 'expired' WHEN until < (SELECT coalesce("
            "  as_of, (now() AT TIME ZONE 'Asia/Shanghai')::date) FROM system_clock)"
            "  THEN 'expired' ELSE 'active' END FROM alert_silence ORDER BY id",
            0, NULL);
        printf("%-5s %-8s %-10s %-8s %-14s %-10s %-8s REASON\n", "ID", "TASK", "TARGET", "ORG",
               "KIND", "UNTIL", "STATE");
        for (int i = 0; res && i < PQntuples(res); i++)
            printf("%-5s %-8s %-10s %-8s %-14s %-10s %-8s %s（%s）\n", PQgetvalue(res, i, 0),
                   PQgetvalue(res, i, 1), PQgetvalue(res, i, 2), PQgetvalue(res, i, 3),
                   PQgetvalue(res, i, 4), PQgetvalue(res, i, 5), PQgetvalue(res, i, 8),
                   PQgetvalue(res, i, 6), PQgetvalue(res, i, 7));
        rc = res ? 0 : 1;
        PQclear(res);
    } else if (expire) {
        char *done = db_scalar(conn,
                               "UPDATE alert_silence SET expired_at = now() WHERE id = $1::bigint"
                               " AND expired_at IS NULL RETURNING id",
                               1, DB_PARAMS(expire));
        if (done)
            printf("alerts silence: silence %s expired\n", expire);
        else
            fprintf(stderr, "planctl alerts silence: no active silence %s\n", expire);
        rc = done ? 0 : 1;
        free(done);
    } else {
        //  The codes must be the catalog's: a typo would silence nothing.
        char *bad = db_scalar(
            conn,
            "SELECT CASE WHEN $1::text IS NOT NULL AND NOT EXISTS (SELECT 1 FROM task WHERE"
            " code = $1) THEN 'task ' || $1 WHEN $2::text IS NOT NULL AND NOT EXISTS (SELECT 1"
            " FROM target WHERE code = $2) THEN 'target ' || $2 WHEN $3::text IS NOT NULL AND"
            " NOT EXISTS (SELECT 1 FROM org_unit WHERE code = $3) THEN 'org ' || $3 WHEN"
            " $4::text IS NOT NULL AND $4 NOT IN ('OVERDUE', 'DUE_SOON', 'OFF_TRACK',"
            " 'REPORT_OVERDUE', 'RESOLVED', 'PIPELINE_DOWN', 'DEAD_LETTER') THEN 'kind ' || $4"
            " END",
            4, DB_PARAMS(task, target, org, kind));
        char who[64];
        if (!by)
            s_who(who, sizeof who);
        if (bad) {
            fprintf(stderr, "planctl alerts silence: unknown %s\n", bad);
            rc = 2;
        } else {
            char *id =
                db_scalar(conn,
                          "INSERT INTO alert_silence (task, target, org, kind, until,"
                          " reason, created_by) VALUES ($1, $2, $3, $4, $5::date, $6, $7)"
                          " RETURNING id",
                          7, DB_PARAMS(task, target, org, kind, until, reason, by ? by : who));
            if (id)
                printf("alerts silence: silence %s: matching notifications suppressed through %s"
                       " (alerts are still recorded)\n",
                       id, until);
            rc = id ? 0 : 1;
            free(id);
        }
        free(bad);
    }
    PQfinish(conn);
    return rc;
}

//  requeue: a dead-lettered notification (outbox row) back to pending, e.g. once a receiver's
//  URL or key has been fixed. The row keeps its id, so it goes before the receiver's newer rows.
static int
s_requeue(int argc, char **argv)
{
    const char *by = NULL, *receiver = NULL;
    bool list = false;
    static const struct option options[] = {{"by", required_argument, NULL, 'b'},
                                            {"receiver", required_argument, NULL, 'r'},
                                            {"list", no_argument, NULL, 'l'},
                                            {NULL, 0, NULL, 0}};
    int opt;
    optind = 1;
    while ((opt = getopt_long(argc, argv, "", options, NULL)) != -1) {
        if (opt == 'b' && *optarg)
            by = optarg;
        else if (opt == 'r' && *optarg)
            receiver = optarg;
        else if (opt == 'l')
            list = true;
        else {
            fputs(s_usage, stderr);
            return 2;
        }
    }
    const char *id = optind == argc - 1 ? argv[optind] : NULL;
    if (optind < argc - 1 || (list + !!receiver + !!id) != 1 || (id && atoll(id) <= 0)) {
        fputs(s_usage, stderr);
        return 2;
    }
    PGconn *conn = planctl_db_connect();
    if (!conn)
        return 2;
    int rc = 1;
    if (list) {
        PGresult *res = db_query(conn,
                                 "SELECT o.id, o.receiver, o.alert_id, a.kind, o.attempts,"
                                 " o.last_error FROM alert_outbox o JOIN alert a"
                                 " ON a.id = o.alert_id WHERE o.state = 'dead' ORDER BY o.id",
                                 0, NULL);
        if (res) {
            printf("%-8s %-16s %-8s %-14s %-8s ERROR\n", "ID", "RECEIVER", "ALERT", "KIND",
                   "ATTEMPTS");
            for (int i = 0; i < PQntuples(res); i++)
                printf("%-8s %-16s %-8s %-14s %-8s %s\n", PQgetvalue(res, i, 0),
                       PQgetvalue(res, i, 1), PQgetvalue(res, i, 2), PQgetvalue(res, i, 3),
                       PQgetvalue(res, i, 4), PQgetvalue(res, i, 5));
            printf("dead-lettered notifications: %d\n", PQntuples(res));
            rc = 0;
        }
        PQclear(res);
        PQfinish(conn);
        return rc;
    }
    char who[64];
    if (!by)
        s_who(who, sizeof who);
    //  Pending again, out of any batch, due now; who and when recorded (migration 008).
    PGresult *res = db_query(
        conn,
        "UPDATE alert_outbox SET state = 'pending', batch = NULL, not_before = now(),"
        " requeued_by = $3, requeued_at = now() WHERE state = 'dead'"
        " AND ($1::bigint IS NULL OR id = $1::bigint) AND ($2::text IS NULL OR receiver = $2)"
        " RETURNING id, receiver, alert_id",
        3, DB_PARAMS(id, receiver, by ? by : who));
    if (res && PQntuples(res) > 0) {
        for (int i = 0; i < PQntuples(res); i++)
            printf("alerts requeue: notification %s (alert %s to %s) is pending again;"
                   " requeued by %s\n",
                   PQgetvalue(res, i, 0), PQgetvalue(res, i, 2), PQgetvalue(res, i, 1),
                   by ? by : who);
        //  wake the senders of every alertd (they also look on their poll timer)
        db_exec(conn, "SELECT pg_notify('planwatch_alert', '')", 0, NULL);
        rc = 0;
    } else if (res && id) {
        char *state = db_scalar(conn,
                                "SELECT state || ' (receiver ' || receiver || ')'"
                                " FROM alert_outbox WHERE id = $1::bigint",
                                1, DB_PARAMS(id));
        if (state)
            fprintf(stderr, "planctl alerts requeue: notification %s is %s, not dead-lettered\n",
                    id, state);
        else
            fprintf(stderr, "planctl alerts requeue: no notification %s\n", id);
        free(state);
    } else if (res)
        fprintf(stderr, "planctl alerts requeue: receiver %s has no dead-lettered notification\n",
                receiver);
    PQclear(res);
    PQfinish(conn);
    return rc;
}

int
planctl_cmd_alerts(int argc, char **argv)
{
    if (argc < 2) {
        fputs(s_usage, stderr);
        return 2;
    }
    if (!strcmp(argv[1], "tail"))
        return s_tail(argc - 1, argv + 1);
    if (!strcmp(argv[1], "list"))
        return s_list(argc - 1, argv + 1);
    if (!strcmp(argv[1], "ack"))
        return s_ack(argc - 1, argv + 1);
    if (!strcmp(argv[1], "silence"))
        return s_silence(argc - 1, argv + 1);
    if (!strcmp(argv[1], "requeue"))
        return s_requeue(argc - 1, argv + 1);
    fputs(s_usage, stderr);
    return 2;
}
