/*  evaluatord_round.c - one judgement round: everything, or what new figures touch */
#include "evaluatord.h"

#include "db.h"
#include "log.h"

#include <stdio.h>

//  Rounds of two evaluators never interleave: a session lock taken before the snapshot.
static int
s_lock(PGconn *conn, bool take)
{
    char lock[32];
    snprintf(lock, sizeof lock, "%d", EVALUATORD_LOCK_ROUND);
    return db_exec(conn,
                   take ? "SELECT pg_advisory_lock($1::bigint)"
                        : "SELECT pg_advisory_unlock($1::bigint)",
                   1, DB_PARAMS(lock));
}

//  Commits the round with its watermark, or rolls it back and drops the changes.
static int
s_finish(PGconn *conn, int rc, int64_t change_id, day_t as_of, zlist_t *changes, size_t before)
{
    if (rc == 0) {
        char id[32], day[DAY_TEXT_SIZE];
        snprintf(id, sizeof id, "%lld", (long long)change_id);
        rc = evaluatord_store_state(conn, "change_id", id);
        if (rc == 0)
            rc = evaluatord_store_state(conn, "as_of", day_format(as_of, day));
    }
    if (rc == 0)
        rc = db_commit(conn);
    if (rc != 0) {
        db_rollback(conn);
        //  Nothing of this round is in the store: nothing of it may be published.
        while (zlist_size(changes) > before) {
            evaluatord_change_t *c = zlist_tail(changes);
            zlist_remove(changes, c);
            evaluatord_change_destroy(&c);
        }
    }
    s_lock(conn, false);
    return rc;
}

int
evaluatord_round_full(PGconn *conn, PGconn *const *helpers, size_t helper_count, judge_data_t *data,
                      const judge_options_t *opts, zlist_t *changes, evaluatord_stats_t *stats)
{
    int64_t start = zclock_usecs();
    size_t before = zlist_size(changes);
    *stats = (evaluatord_stats_t){.full = true};
    if (s_lock(conn, true) != 0)
        return -1;
    int rc = db_exec(conn, "BEGIN ISOLATION LEVEL REPEATABLE READ", 0, NULL);
    judge_report_t *report = NULL;
    if (rc == 0)
        rc = judge_data_load_parallel(data, conn, helpers, helper_count, NULL);
    if (rc == 0) {
        report = judge_evaluate(data, opts, NULL);
        rc = report ? 0 : -1;
    }
    if (rc == 0) {
        stats->subjects = judge_report_count(report);
        rc = evaluatord_store_apply(conn, report, data, NULL, opts->as_of, changes, stats);
    }
    judge_report_destroy(&report);
    rc = s_finish(conn, rc, judge_data_change_id(data), opts->as_of, changes, before);
    stats->rows = (long)judge_data_size(data);
    stats->change_id = judge_data_change_id(data);
    stats->elapsed_us = zclock_usecs() - start;
    return rc;
}

int
evaluatord_round_changes(PGconn *conn, judge_data_t *data, const judge_options_t *opts,
                         zlist_t *changes, evaluatord_stats_t *stats)
{
    int64_t start = zclock_usecs();
    size_t before = zlist_size(changes);
    *stats = (evaluatord_stats_t){.full = false};
    if (s_lock(conn, true) != 0)
        return -1;
    int rc = db_exec(conn, "BEGIN ISOLATION LEVEL REPEATABLE READ", 0, NULL);
    int64_t stored = 0;
    if (rc == 0)
        rc = evaluatord_store_watermark(conn, &stored);
    if (rc == 0 && stored > judge_data_change_id(data)) {
        //  The store went on without us (another evaluator, a restore): judge everything.
        db_rollback(conn);
        s_lock(conn, false);
        return 1;
    }
    //  After a failed round the figures may hold rows the store's watermark does not: read from
    //  the watermark again (adding a row twice changes nothing).
    if (rc == 0)
        judge_data_set_change_id(data, stored);
    judge_touch_t *touched = judge_touch_new();
    judge_report_t *report = NULL;
    long rows = 0;
    if (rc == 0) {
        rows = judge_data_update(data, conn, touched);
        rc = rows < 0 ? -1 : 0;
    }
    if (rc == 0 && rows == 0) {
        //  Nothing new: nothing to write.
        judge_touch_destroy(&touched);
        db_rollback(conn);
        s_lock(conn, false);
        stats->change_id = judge_data_change_id(data);
        stats->elapsed_us = zclock_usecs() - start;
        return 0;
    }
    if (rc == 0) {
        report = judge_evaluate(data, opts, touched);
        rc = report ? 0 : -1;
    }
    if (rc == 0 && report) {
        stats->subjects = judge_report_count(report);
        rc = evaluatord_store_apply(conn, report, data, touched, opts->as_of, changes, stats);
    }
    judge_report_destroy(&report);
    judge_touch_destroy(&touched);
    rc = s_finish(conn, rc, judge_data_change_id(data), opts->as_of, changes, before);
    stats->rows = rows;
    stats->change_id = judge_data_change_id(data);
    stats->elapsed_us = zclock_usecs() - start;
    return rc;
}
