/*  alert_test.h - what the alerter's suites share: status changes written straight into the
    evaluator's tables, data files in a temporary directory, a default configuration. */
#ifndef ALERT_TEST_H
#define ALERT_TEST_H

#include "testutil.h"

#include "alertd.h"
#include "db.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

//  Inserts a status_change row (and its status row) as evaluatord would. Returns its id.
static inline long
alert_test_change(PGconn *conn, const char *key, const char *target, const char *org,
                  const char *period, const char *old_status, const char *new_status,
                  int due_soon, const char *deadline, const char *evidence)
{
    char due[16];
    snprintf(due, sizeof due, "%d", due_soon);
    PGresult *res = db_query(
        conn,
        "WITH c AS (INSERT INTO status_change (key, target, org, period, indicator, unit,"
        " old_status, new_status, progress, due_soon_days, deadline, as_of, evidence)"
        " VALUES ($1, $2, $3, $4, CASE WHEN $1 LIKE 'R|%' THEN split_part($1, '|', 4) END,"
        " CASE WHEN $1 LIKE 'R|%' THEN split_part($1, '|', 2) END, $5, $6, 0.8, $7::int,"
        " $8::date, coalesce((SELECT as_of FROM system_clock), current_date), $9::jsonb)"
        " RETURNING *)"
        " INSERT INTO status (key, target, org, period, indicator, unit, status, progress,"
        " due_soon_days, deadline, as_of, evidence, change_id)"
        " SELECT key, target, org, period, indicator, unit, new_status, progress, due_soon_days,"
        " deadline, as_of, evidence, id FROM c"
        " ON CONFLICT (key) DO UPDATE SET status = excluded.status, change_id = excluded.change_id"
        " RETURNING change_id",
        9,
        DB_PARAMS(key, target, org, period, old_status, new_status, due, deadline,
                  evidence ? evidence : "{}"));
    ck_assert_msg(res != NULL, "status_change insert failed");
    long id = atol(PQgetvalue(res, 0, 0));
    PQclear(res);
    return id;
}

//  An OVERDUE change of target for Hunan, deadline 2025-12-31.
static inline long
alert_test_overdue(PGconn *conn, const char *target)
{
    char key[128];
    snprintf(key, sizeof key, "T|%s|430000|", target);
    return alert_test_change(conn, key, target, "430000", "", "OFF_TRACK", "OVERDUE", 0,
                             "2025-12-31", "{\"value\": 13200, \"rule\": \"level\"}");
}

//  Writes text to dir/name. Returns the path (owned).
static inline char *
alert_test_file(const char *dir, const char *name, const char *text)
{
    char *path = malloc(strlen(dir) + strlen(name) + 2);
    sprintf(path, "%s/%s", dir, name);
    FILE *f = fopen(path, "w");
    ck_assert(f != NULL);
    fputs(text, f);
    fclose(f);
    return path;
}

static inline void
alert_test_config(alertd_config_t *c)
{
    memset(c, 0, sizeof *c);
    c->database_url = testutil_db_url();
    c->as_of = "";
    c->fault = "";
    c->group_wait_ms = 0;
    c->group_max = 50;
    c->retry_min_ms = 100;
    c->retry_max_ms = 400;
    c->poll_ms = 200;
    c->http_timeout_ms = 3000;
    c->pub_heartbeat_ms = 500;
}

static inline void
alert_test_clock(PGconn *conn, const char *date)
{
    ck_assert_int_eq(db_exec(conn, "UPDATE system_clock SET as_of = $1::date", 1,
                             DB_PARAMS(date)),
                     0);
}

//  The first column of the first row of a query with one parameter, as a string ("" for none).
static inline char *
alert_test_str(PGconn *conn, const char *sql, const char *param)
{
    char *v = db_scalar(conn, sql, param ? 1 : 0, param ? DB_PARAMS(param) : NULL);
    return v ? v : strdup("");
}

#endif
