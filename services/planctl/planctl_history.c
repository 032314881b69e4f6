/*  planctl_history.c - the supervision office: every version of a figure or a milestone, with
    the feed, the unit and the time it came in (the audit trail; the latest version counts)
*/
#include "planctl.h"

#include "db.h"
#include "text.h"

#include <getopt.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *const s_usage = "usage: planctl history ORG INDICATOR PERIOD [--json]\n"
                                   "       planctl history milestone TARGET [--json]\n"
                                   "  e.g. planctl history 430100 HTE_COUNT 2023\n";

#define TIME_FORMAT "'YYYY-MM-DD\"T\"HH24:MI:SS.MSTZH:TZM'"

//  Prints a result of versions, oldest first, marking the latest as current.
//  Columns: change_id, what (value or state), extra (date), note, unit, unit name, feed, time.
static void
s_print(PGresult *res, const char *title, int json, int milestone)
{
    int n = PQntuples(res);
    if (json) {
        json_t *list = json_array();
        for (int i = 0; i < n; i++) {
            json_t *o =
                json_pack("{s:I, s:s, s:s, s:s, s:s, s:s, s:b}", "change_id",
                          (json_int_t)atoll(PQgetvalue(res, i, 0)), "unit", PQgetvalue(res, i, 4),
                          "unit_name", PQgetvalue(res, i, 5), "feed_id", PQgetvalue(res, i, 6),
                          "received_at", PQgetvalue(res, i, 7), milestone ? "evidence" : "note",
                          PQgetvalue(res, i, 3), "current", i == n - 1);
            if (milestone) {
                json_object_set_new(o, "state", json_string(PQgetvalue(res, i, 1)));
                json_object_set_new(o, "reached_on", json_string(PQgetvalue(res, i, 2)));
            } else
                json_object_set_new(o, "value", json_real(atof(PQgetvalue(res, i, 1))));
            json_array_append_new(list, o);
        }
        char *text = json_dumps(list, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
        puts(text);
        free(text);
        json_decref(list);
        return;
    }
    printf("%s: %d version%s%s\n", title, n, n == 1 ? "" : "s",
           n ? " (the last one counts 以最新版本为准)" : " (no figure reported 尚无数据)");
    if (!n)
        return;
    printf("  %-9s %-16s %-12s %-30s %-30s %s\n", "change", milestone ? "state" : "value", "unit",
           "received_at", "feed", milestone ? "evidence" : "note");
    for (int i = 0; i < n; i++) {
        char what[64];
        if (milestone)
            snprintf(what, sizeof what, "%s %s", PQgetvalue(res, i, 1), PQgetvalue(res, i, 2));
        else
            snprintf(what, sizeof what, "%.15g", atof(PQgetvalue(res, i, 1)));
        char feed[64];
        text_truncate(PQgetvalue(res, i, 6), 30, feed, sizeof feed);
        printf("%s %-9s %-16s %-12s %-30s %-30s %s\n", i == n - 1 ? "*" : " ",
               PQgetvalue(res, i, 0), what, PQgetvalue(res, i, 4), PQgetvalue(res, i, 7), feed,
               PQgetvalue(res, i, 3));
    }
}

int
planctl_cmd_history(int argc, char **argv)
{
    int json = 0;
    static const struct option options[] = {{"json", no_argument, NULL, 'j'}, {NULL, 0, NULL, 0}};
    int c;
    optind = 1;
    while ((c = getopt_long(argc, argv, "", options, NULL)) != -1) {
        if (c != 'j') {
            fputs(s_usage, stderr);
            return 2;
        }
        json = 1;
    }
    int args = argc - optind;
    char **arg = argv + optind;
    int milestone = args == 2 && strcmp(arg[0], "milestone") == 0;
    if (args != 3 && !milestone) {
        fputs(s_usage, stderr);
        return 2;
    }
    PGconn *conn = planctl_db_connect();
    if (!conn)
        return 2;
    PGresult *res;
    char title[512];
    if (milestone) {
        res = db_query(conn,
                       "SELECT m.change_id, m.state, m.reached_on::text, m.evidence, m.unit,"
                       " coalesce(r.name, ''), m.feed_id, to_char(m.received_at, " TIME_FORMAT ")"
                       " FROM milestone_report m LEFT JOIN resp_unit r ON r.code = m.unit"
                       " WHERE m.target = $1 ORDER BY m.change_id",
                       1, DB_PARAMS(arg[1]));
        char *text =
            db_scalar(conn, "SELECT text FROM target WHERE code = $1", 1, DB_PARAMS(arg[1]));
        snprintf(title, sizeof title, "%s %s", arg[1], text ? text : "(not a target)");
        free(text);
    } else {
        res = db_query(conn,
                       "SELECT o.change_id, o.value, '', o.note, o.unit, coalesce(r.name, ''),"
                       " o.feed_id, to_char(o.received_at, " TIME_FORMAT ")"
                       " FROM observation o LEFT JOIN resp_unit r ON r.code = o.unit"
                       " WHERE o.org = $1 AND o.indicator = $2 AND o.period = $3"
                       " ORDER BY o.change_id",
                       3, DB_PARAMS(arg[0], arg[1], arg[2]));
        char *org =
            db_scalar(conn, "SELECT name FROM org_unit WHERE code = $1", 1, DB_PARAMS(arg[0]));
        char *ind =
            db_scalar(conn, "SELECT name FROM indicator WHERE code = $1", 1, DB_PARAMS(arg[1]));
        snprintf(title, sizeof title, "%s %s · %s %s · %s", arg[0], org ? org : "", arg[1],
                 ind ? ind : "", arg[2]);
        free(org);
        free(ind);
    }
    int rc = 2;
    if (res) {
        s_print(res, title, json, milestone);
        PQclear(res);
        rc = 0;
    } else
        fprintf(stderr, "planctl history: cannot read the store\n");
    PQfinish(conn);
    return rc;
}
