/*  testutil_eval.c - figures written the way ingestd commits them, for the evaluator's suites */
#include "testutil_eval.h"

#include "codec.h"
#include "bus.h"
#include "db.h"
#include "testutil.h"

#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

static void
s_exec(PGconn *conn, const char *sql, int n, const char *const *params)
{
    ck_assert_msg(db_exec(conn, sql, n, params) == 0, "failed: %s", sql);
}

//  Begins the ingest transaction and writes the feed row. Returns the feed id used.
static void
s_begin_feed(PGconn *conn, const char *unit, const char *feed_id, char *id, size_t size,
             const char *received_at)
{
    static int counter;
    if (feed_id)
        snprintf(id, size, "%s", feed_id);
    else
        snprintf(id, size, "eval-%d-%d-%lld", (int)getpid(), ++counter, (long long)zclock_usecs());
    s_exec(conn, "BEGIN", 0, NULL);
    s_exec(conn, "SELECT pg_advisory_xact_lock(4300002)", 0, NULL);
    s_exec(conn,
           "INSERT INTO feed (unit, feed_id, received_at, accepted, rejected, receipt)"
           " VALUES ($1, $2, coalesce($3::timestamptz, now()), 0, 0, '\\x'::bytea)",
           3, DB_PARAMS(unit, id, received_at));
}

static int64_t
s_commit_feed(PGconn *conn, const char *unit, const char *id)
{
    char *max = db_scalar(conn,
                          "WITH m AS (SELECT greatest((SELECT max(change_id) FROM observation"
                          " WHERE unit = $1 AND feed_id = $2), (SELECT max(change_id) FROM"
                          " milestone_report WHERE unit = $1 AND feed_id = $2)) AS id)"
                          " UPDATE feed SET change_id = m.id FROM m WHERE unit = $1 AND"
                          " feed_id = $2 RETURNING m.id",
                          2, DB_PARAMS(unit, id));
    ck_assert_msg(max != NULL, "feed %s wrote nothing", id);
    int64_t change_id = strtoll(max, NULL, 10);
    free(max);
    s_exec(conn, "COMMIT", 0, NULL);
    return change_id;
}

int64_t
eval_feed(PGconn *conn, const char *unit, const char *feed_id, const eval_obs_t *rows, size_t count,
          const char *received_at)
{
    char id[128];
    s_begin_feed(conn, unit, feed_id, id, sizeof id, received_at);
    for (size_t i = 0; i < count; i++) {
        char value[64];
        snprintf(value, sizeof value, "%.17g", rows[i].value);
        s_exec(conn,
               "INSERT INTO observation (change_id, org, indicator, period, value, unit, feed_id,"
               " received_at) VALUES (nextval('change_id_seq'), $1, $2, $3, $4, $5, $6,"
               " coalesce($7::timestamptz, now()))",
               7,
               DB_PARAMS(rows[i].org, rows[i].indicator, rows[i].period, value, unit, id,
                         received_at));
    }
    return s_commit_feed(conn, unit, id);
}

int64_t
eval_obs(PGconn *conn, const char *unit, const char *org, const char *indicator, const char *period,
         double value, const char *received_at)
{
    eval_obs_t row = {org, indicator, period, value};
    return eval_feed(conn, unit, NULL, &row, 1, received_at);
}

int64_t
eval_milestone(PGconn *conn, const char *unit, const char *target, const char *state,
               const char *reached_on, const char *received_at)
{
    char id[128];
    s_begin_feed(conn, unit, NULL, id, sizeof id, received_at);
    s_exec(conn,
           "INSERT INTO milestone_report (change_id, target, state, reached_on, unit, feed_id,"
           " received_at) VALUES (nextval('change_id_seq'), $1, $2, $3, $4, $5,"
           " coalesce($6::timestamptz, now()))",
           6, DB_PARAMS(target, state, reached_on, unit, id, received_at));
    return s_commit_feed(conn, unit, id);
}

void
eval_notice(zsock_t *pub, int64_t change_id)
{
    Planwatch__V1__ChangeNotice notice = PLANWATCH__V1__CHANGE_NOTICE__INIT;
    notice.change_id = (uint64_t)change_id;
    notice.feed_id = "test";
    ck_assert_int_eq(bus_send(pub, &notice.base), 0);
}

void
eval_clock_set(PGconn *conn, const char *date)
{
    s_exec(conn,
           "WITH s AS (UPDATE system_clock SET as_of = $1::date, set_at = now(), set_by = 'test'"
           " RETURNING 1) SELECT pg_notify('clock', $2) FROM s",
           2, DB_PARAMS(date, date ? date : "system"));
}
